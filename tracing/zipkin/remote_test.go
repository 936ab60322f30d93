package zipkin_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/model"
)

// TestRemoteEndpoints: a recorded HTTP server span names the caller's
// address and port, a recorded client span the server's; a span sampled out
// records nothing (the addresses are not even parsed for it).
func TestRemoteEndpoints(t *testing.T) {
	tracer, rec := memoryTracer(t)
	u := sumServer(t, tracer)
	if _, err := sumClient(tracer, u)(context.Background(), sumRequest{A: 1, B: 2}); err != nil {
		t.Fatal(err)
	}
	server := netip.MustParseAddrPort(u.Host)
	var client, srv *model.Endpoint
	for _, s := range rec.Flush() {
		switch s.Kind {
		case model.Client:
			client = s.RemoteEndpoint
		case model.Server:
			srv = s.RemoteEndpoint
		}
	}
	if client == nil || !client.IPv4.Equal(server.Addr().AsSlice()) || client.Port != server.Port() {
		t.Errorf("client span's remote endpoint = %+v, want %v", client, server)
	}
	if srv == nil || !srv.IPv4.Equal(server.Addr().AsSlice()) || srv.Port == 0 || srv.Port == server.Port() {
		t.Errorf("server span's remote endpoint = %+v, want 127.0.0.1 and the client's own port", srv)
	}

	quiet, rec := memoryTracer(t, zipkin.WithSampler(zipkin.NeverSample))
	if _, err := sumClient(quiet, sumServer(t, quiet))(context.Background(), sumRequest{A: 1, B: 2}); err != nil {
		t.Fatal(err)
	}
	if spans := rec.Flush(); len(spans) != 0 {
		t.Errorf("sampled out, %d spans recorded, want 0", len(spans))
	}
}
