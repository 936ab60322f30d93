package http_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/endpointkit/kit/internal/testenv"
)

// TestCurl drives the server with curl, a client that is not Go's.
func TestCurl(t *testing.T) {
	curl := testenv.LookPath(t, "curl")
	srv := newSumServer(t)
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode string
		wantBody string
	}{
		{"ok", []string{"-H", "Content-Type: application/json", "-d", `{"a":2,"b":3}`}, "200", `{"v":5}`},
		{"form content type", []string{"-d", `{"a":2,"b":3}`}, "415", `unsupported media type`},
		{"malformed", []string{"-H", "Content-Type: application/json", "-d", `{"a":`}, "400", `"error"`},
		{"wrong method", []string{"-X", "GET"}, "405", ``},
		{"budget spent", []string{"-H", "Kit-Timeout: 0", "-d", `{}`}, "504", `deadline`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-sS", "-o", "-", "-w", "\n%{http_code}", srv.URL + "/sum"}, tc.args...)
			out, err := exec.Command(curl, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("curl %v: %v\n%s", args, err, out)
			}
			s := strings.TrimSpace(string(out))
			i := strings.LastIndexByte(s, '\n')
			body, code := s[:max(i, 0)], s[i+1:]
			if code != tc.wantCode || !strings.Contains(body, tc.wantBody) {
				t.Errorf("curl %s: got %s %q, want %s containing %q", tc.name, code, body, tc.wantCode, tc.wantBody)
			}
		})
	}
}
