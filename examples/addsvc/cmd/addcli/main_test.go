package main

import (
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/internal/consultest"
	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/log"
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
		{"tls cert without key", []string{"-tls.cert", "c.pem", "1", "2"}, "-tls.cert and -tls.key go together"},
		{"tls CA file missing", []string{"-tls.ca", "/nonexistent/ca.pem", "1", "2"}, "no such file"},
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

// TestConsulMode runs addcli's -consul mode against a real Consul agent: an
// addsvc HTTP server in process is registered there, and addcli finds it by
// service name and tag.
func TestConsulMode(t *testing.T) {
	agent := consultest.Start(t)
	srv := httptest.NewServer(addtransport.NewHTTPHandler(addendpoint.New(addservice.New(), log.NewNopLogger()), log.NewNopLogger()))
	defer srv.Close()
	host, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p, _ := strconv.Atoi(port)
	if err := agent.Client(t).Agent().ServiceRegister(&api.AgentServiceRegistration{
		ID: "addsvc-1", Name: "addsvc-http", Address: host, Port: p, Tags: []string{"blue"},
	}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string // a part of it
	}{
		{"by name", []string{"-consul", "addsvc-http", "-consul.addr", agent.Addr(), "-n", "3", "20", "22"}, 0, "42\n42\n42\n", ""},
		{"by name and tag", []string{"-consul", "addsvc-http", "-consul.addr", agent.Addr(), "-consul.tags", "blue", "-method", "concat", "ab", "cd"}, 0, "abcd\n", ""},
		{"a tag no instance has", []string{"-consul", "addsvc-http", "-consul.addr", agent.Addr(), "-consul.tags", "green", "-retry.max", "1", "1", "2"}, 1, "", "no endpoints"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := call(tc.args, &stdout, &stderr)
			if code != tc.code || stdout.String() != tc.stdout || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("addcli %v: exit %d, stdout %q, stderr %q; want %d, %q, stderr with %q", tc.args, code, stdout.String(), stderr.String(), tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}

// TestBearerToken: -auth.token wins over ADDCLI_TOKEN; spaces around
// either are dropped; neither gives no token.
func TestBearerToken(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "ADDCLI_TOKEN" {
				return v
			}
			return ""
		}
	}
	for _, tc := range []struct{ flag, env, want string }{
		{"", "", ""},
		{"a.b.c", "", "a.b.c"},
		{"", " d.e.f\n", "d.e.f"},
		{"a.b.c", "d.e.f", "a.b.c"},
	} {
		if got := bearerToken(tc.flag, env(tc.env)); got != tc.want {
			t.Errorf("bearerToken(%q, ADDCLI_TOKEN=%q) = %q, want %q", tc.flag, tc.env, got, tc.want)
		}
	}
}
