package main

import (
	"strings"
	"testing"

	"github.com/endpointkit/kit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestBadFlags checks that a wrong flag value fails with exit status 1 and
// says what is wrong, before any call is made.
func TestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown transport", []string{"-transport", "smtp", "1", "2"}, `unknown transport "smtp"`},
		{"unknown balancer", []string{"-balancer", "fastest", "1", "2"}, `unknown balancer "fastest"`},
		{"bad log level", []string{"-log.level", "loud", "1", "2"}, "-log.level"},
		{"missing operands", []string{"1"}, "usage: addcli"},
		{"unknown method", []string{"-addr", "127.0.0.1:1", "-method", "mul", "1", "2"}, `unknown method "mul"`},
		{"not a number", []string{"-addr", "127.0.0.1:1", "one", "2"}, "invalid syntax"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			if code := call(tc.args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("addcli %v: exit %d, stderr %q; want 1 and %q", tc.args, code, stderr.String(), tc.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("addcli %v printed %q, want nothing", tc.args, stdout.String())
			}
		})
	}
}
