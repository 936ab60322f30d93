package grpc_test

import (
	"testing"

	kitgrpc "github.com/endpointkit/kit/transport/grpc"
)

func TestEncodeKeyValue(t *testing.T) {
	for _, tc := range []struct{ k, v, wantK, wantV string }{
		{"X-Request-ID", "abc", "x-request-id", "abc"},
		{"Trace-Bin", "\x00\x01", "trace-bin", "AAE="},
	} {
		if k, v := kitgrpc.EncodeKeyValue(tc.k, tc.v); k != tc.wantK || v != tc.wantV {
			t.Errorf("EncodeKeyValue(%q, %q) = %q, %q; want %q, %q", tc.k, tc.v, k, v, tc.wantK, tc.wantV)
		}
	}
}
