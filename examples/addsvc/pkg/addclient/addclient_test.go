package addclient_test

import (
	"testing"

	"google.golang.org/grpc/connectivity"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addclient"
	"github.com/endpointkit/kit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestGRPCConnsShared checks that the methods share one gRPC connection per
// instance, closed exactly once: when the last reference is given back, and
// not by a second Close of the same reference.
func TestGRPCConnsShared(t *testing.T) {
	conns := addclient.NewGRPCConns()
	a1, closeA1, err := conns.Acquire("127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	a2, closeA2, err := conns.Acquire("127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	b, closeB, err := conns.Acquire("127.0.0.1:2")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeB.Close() })
	if a1 != a2 {
		t.Error("two acquires of one instance returned two connections, want one")
	}
	if a1 == b {
		t.Error("two instances share a connection, want one each")
	}

	for range 2 { // the second Close of a reference gives nothing back
		if err := closeA1.Close(); err != nil {
			t.Fatal(err)
		}
		if s := a1.GetState(); s == connectivity.Shutdown {
			t.Fatalf("connection closed while a reference is held")
		}
	}
	if err := closeA2.Close(); err != nil {
		t.Fatal(err)
	}
	if s := a1.GetState(); s != connectivity.Shutdown {
		t.Errorf("connection state %v after the last reference is given back, want Shutdown", s)
	}
	if err := closeA2.Close(); err != nil {
		t.Errorf("second Close of the last reference: %v, want nil", err)
	}

	a3, closeA3, err := conns.Acquire("127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	defer closeA3.Close()
	if a3 == a1 {
		t.Error("acquire after the last release returned the closed connection, want a new one")
	}
	if s := a3.GetState(); s == connectivity.Shutdown {
		t.Errorf("new connection state %v, want not Shutdown", s)
	}
}
