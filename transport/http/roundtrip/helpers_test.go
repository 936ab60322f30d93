package roundtrip_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/transport/http/roundtrip"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// instance is one real server on loopback that counts its requests.
type instance struct {
	srv   *httptest.Server
	name  string
	addr  string // host:port
	hits  atomic.Int64
	conns atomic.Int64 // connections accepted
}

// newInstance starts a server answering with h, or with its name when h is
// nil; it is closed when the test ends.
func newInstance(t *testing.T, name string, h http.HandlerFunc) *instance {
	t.Helper()
	in := &instance{name: name}
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) }
	}
	in.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in.hits.Add(1)
		h(w, r)
	}))
	in.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			in.conns.Add(1)
		}
	}
	in.srv.Start()
	in.addr = strings.TrimPrefix(in.srv.URL, "http://")
	t.Cleanup(in.srv.Close)
	return in
}

// newInstanceB starts a server answering "ok" for a benchmark and returns
// its host:port.
func newInstanceB(b *testing.B) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	b.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func addrs(ins ...*instance) []string {
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = in.addr
	}
	return out
}

// newTransport returns a Transport over instancer whose base records the
// response bodies, and an http.Client using it; both are closed when the
// test ends.
func newTransport(t *testing.T, instancer loadbalancer.Instancer, opts ...roundtrip.TransportOption) (*roundtrip.Transport, *http.Client, *recorder) {
	t.Helper()
	base := roundtrip.NewBaseTransport()
	rec := &recorder{base: base}
	tr := roundtrip.NewTransport(instancer, append([]roundtrip.TransportOption{roundtrip.TransportBase(rec)}, opts...)...)
	t.Cleanup(func() {
		tr.Close()
		base.CloseIdleConnections()
	})
	return tr, &http.Client{Transport: tr}, rec
}

// get sends a GET to the logical host and returns the status and body.
func get(t *testing.T, c *http.Client, ctx context.Context, path string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://svc"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// recorder is a base RoundTripper that records every response body it
// hands out, to check that each one is closed.
type recorder struct {
	base http.RoundTripper

	mu     sync.Mutex
	bodies []*trackedBody
}

type trackedBody struct {
	io.ReadCloser
	status int
	closed atomic.Bool
}

func (b *trackedBody) Close() error {
	b.closed.Store(true)
	return b.ReadCloser.Close()
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if _, ok := resp.Body.(io.ReadWriteCloser); ok {
		return resp, nil // an upgraded connection: left as it is
	}
	tb := &trackedBody{ReadCloser: resp.Body, status: resp.StatusCode}
	resp.Body = tb
	r.mu.Lock()
	r.bodies = append(r.bodies, tb)
	r.mu.Unlock()
	return resp, nil
}

// open returns the statuses of the bodies not closed yet.
func (r *recorder) open() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, b := range r.bodies {
		if !b.closed.Load() {
			out = append(out, b.status)
		}
	}
	return out
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies)
}

// waitFor polls cond until it holds or 5s pass. Discovery updates reach the
// Transport on its Endpointer's goroutine, which offers no signal.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
