package thrift_test

import (
	"context"
	"testing"

	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// BenchmarkServeThrift measures the per-method Server alone: decode, the
// endpoint, encode, in process.
func BenchmarkServeThrift(b *testing.B) {
	srv := kitthrift.NewServer(echoEndpoint, identity, identity)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := srv.ServeThrift(ctx, "hello"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoundTrip measures one Echo call through kit's Client and
// ConnServer over loopback TCP, for each protocol.
func BenchmarkRoundTrip(b *testing.B) {
	for _, tc := range protocolCases {
		b.Run(tc.name, func(b *testing.B) {
			addr, srv := startBenchServer(b, tc.protocol, tc.framed)
			defer srv.Close()
			c := kitthrift.NewClient(addr, echoCall, clientOptions(tc.protocol, tc.framed)...)
			defer c.Close()
			echo := c.Endpoint()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := echo(ctx, "hello"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
