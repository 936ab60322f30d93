package main

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/endpointkit/kit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestBadFlags checks that inventory refuses to start, with an error naming
// the flag, on a bad flag value or an address it cannot listen on.
func TestBadFlags(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	free := []string{"-http-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-debug-addr", "127.0.0.1:0"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-no-such-flag"}, "no-such-flag"},
		{"negative rate", []string{"-limit.rate", "-1"}, "-limit.rate -1"},
		{"no burst", []string{"-limit.burst", "0"}, "-limit.burst 0"},
		{"no concurrency", []string{"-limit.in-flight", "0"}, "-limit.in-flight 0"},
		{"breaker never open", []string{"-breaker.open-for", "0s"}, "-breaker.open-for 0s"},
		{"negative drain", []string{"-shutdown-timeout", "-1s"}, "-shutdown-timeout -1s"},
		{"bad address", append(free, "-http-addr", "127.0.0.1:nope"), "http listener"},
		{"address in use", append(free, "-grpc-addr", busy.Addr().String()), "grpc listener"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr strings.Builder
			err := run(context.Background(), tc.args, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run(%v) = %v, want an error with %q", tc.args, err, tc.want)
			}
		})
	}
}
