package adopt_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/examples/adopt/pb"
)

// dial returns a client of the process's gRPC service, closed when the
// test ends.
func (p *inventory) dial(t *testing.T) pb.InventoryClient {
	t.Helper()
	conn, err := grpc.NewClient(p.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return pb.NewInventoryClient(conn)
}

// getItem calls GetItem with a 5s deadline and returns the count and the
// status code.
func getItem(t *testing.T, c pb.InventoryClient, sku string) (int64, codes.Code, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	item, err := c.GetItem(ctx, &pb.GetItemRequest{Sku: sku})
	s := status.Convert(err)
	return item.GetCount(), s.Code(), s.Message()
}

// TestGRPC checks the gRPC service's answers.
func TestGRPC(t *testing.T) {
	p := start(t, build(t))
	c := p.dial(t)
	for _, tc := range []struct {
		sku   string
		count int64
		code  codes.Code
	}{
		{"apple", 12, codes.OK},
		{"plum", 0, codes.OK},
		{"no-such-sku", 0, codes.NotFound},
		{"", 0, codes.InvalidArgument},
	} {
		if n, code, msg := getItem(t, c, tc.sku); n != tc.count || code != tc.code {
			t.Errorf("GetItem(%q) = %d, %v %q; want %d, %v", tc.sku, n, code, msg, tc.count, tc.code)
		}
	}
	p.configureStore(true, 0)
	if _, code, msg := getItem(t, c, "apple"); code != codes.Unavailable {
		t.Errorf("GetItem(apple) with the store down: %v %q, want Unavailable", code, msg)
	}
}
