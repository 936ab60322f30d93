package adopt_test

import (
	"context"
	"net/http"
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

// TestGRPCBreaker checks step 4: the guard runs on the gRPC service through
// transport/grpc's interceptor. NotFound and InvalidArgument answers leave
// the breaker closed; Unavailable ones open it, and its refusals are
// ResourceExhausted; the breaker is the HTTP API's too, so HTTP requests
// are refused as well.
func TestGRPCBreaker(t *testing.T) {
	p := start(t, build(t), "-breaker.open-for", "1m")
	c := p.dial(t)
	for i := range 60 {
		if _, code, msg := getItem(t, c, "no-such-sku"); code != codes.NotFound {
			t.Fatalf("GetItem(no-such-sku) #%d: %v %q, want NotFound", i, code, msg)
		}
		if _, code, msg := getItem(t, c, ""); code != codes.InvalidArgument {
			t.Fatalf("GetItem(\"\") #%d: %v %q, want InvalidArgument", i, code, msg)
		}
	}
	if n, code, msg := getItem(t, c, "apple"); code != codes.OK || n != 12 {
		t.Fatalf("GetItem(apple) after 120 caller errors: %d, %v %q; want 12, OK (they must not open the breaker)", n, code, msg)
	}

	p.configureStore(true, 0)
	var failed, refused int
	for i := range 40 {
		_, code, msg := getItem(t, c, "apple")
		switch {
		case code == codes.Unavailable && refused == 0:
			failed++
		case code == codes.ResourceExhausted && msg == "circuitbreaker: breaker is open":
			refused++
		default:
			t.Fatalf("GetItem(apple) #%d with the store down (%d Unavailable, %d refusals before): %v %q", i, failed, refused, code, msg)
		}
	}
	if failed < 19 || failed > 20 || refused != 40-failed {
		t.Errorf("with the store down: %d Unavailable then %d refusals, want 19 (20 on a slow machine) then the rest", failed, refused)
	}
	status, body := do(t, context.Background(), http.MethodGet, "http://"+p.http+"/items/apple", "")
	if status != http.StatusTooManyRequests || errorBody(body) != "circuitbreaker: breaker is open" {
		t.Errorf("GET /items/apple once gRPC failures opened the breaker: %d %s, want 429 circuitbreaker: breaker is open", status, body)
	}
}
