package roundtrip_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/transport/http/roundtrip"
)

// BenchmarkRoundTrip is a GET through a Transport over one healthy
// instance on loopback, beside the same GET on the base Transport alone
// (benchmarks/ compares them in cpu-ns/op).
func BenchmarkRoundTrip(b *testing.B) {
	srv := newInstanceB(b)
	for _, bc := range []struct {
		name string
		rt   func(base http.RoundTripper) (http.RoundTripper, string, func())
	}{
		{"base", func(base http.RoundTripper) (http.RoundTripper, string, func()) {
			return base, "http://" + srv + "/", func() {}
		}},
		{"transport", func(base http.RoundTripper) (http.RoundTripper, string, func()) {
			tr := roundtrip.NewTransport(loadbalancer.FixedInstancer{srv}, roundtrip.TransportBase(base))
			return tr, "http://svc/", func() { tr.Close() }
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			base := roundtrip.NewBaseTransport()
			defer base.CloseIdleConnections()
			rt, url, closeRT := bc.rt(base)
			defer closeRT()
			client := &http.Client{Transport: rt}
			b.ReportAllocs()
			for b.Loop() {
				resp, err := client.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
