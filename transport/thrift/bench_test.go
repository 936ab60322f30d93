package thrift_test

import (
	"context"
	"testing"

	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// BenchmarkRoundTrip measures one Echo call through kit's Client and
// ConnServer over loopback TCP, for each protocol.
func BenchmarkRoundTrip(b *testing.B) {
	for _, tc := range protocolCases {
		b.Run(tc.name, func(b *testing.B) {
			t := &testing.T{}
			_ = t
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
