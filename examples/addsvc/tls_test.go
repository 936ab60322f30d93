package addsvc_test

import (
	"net"
	"strings"
	"testing"

	"github.com/endpointkit/kit/internal/testcerts"
	"github.com/endpointkit/kit/internal/testenv"
)

// TestMutualTLS starts the real addsvc with -tls.cert, -tls.key and
// -tls.client-ca, and calls it with curl and addcli: with a client
// certificate from the trusted CA, HTTP, JSON-RPC and gRPC answer; without
// one, or with one from another CA, or in plaintext, the call is refused
// and a good call follows. grpcurl does the same over gRPC.
func TestMutualTLS(t *testing.T) {
	curl := testenv.LookPath(t, "curl")
	addsvcBin, addcli := build(t)
	dir := t.TempDir()
	ca := testcerts.NewCA(t, dir, "ca")
	rogue := testcerts.NewCA(t, dir, "rogue")
	server := ca.Issue(t, dir, "server", testcerts.Leaf{CommonName: "addsvc", DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	client := ca.Issue(t, dir, "client", testcerts.Leaf{CommonName: "addcli", URIs: []string{"spiffe://example.org/addcli"}, Client: true})
	foreign := rogue.Issue(t, dir, "foreign", testcerts.Leaf{CommonName: "addcli", Client: true})

	p := start(t, addsvcBin, "-tls.cert", server.CertFile, "-tls.key", server.KeyFile, "-tls.client-ca", ca.File)
	sumURL := "https://" + p.addr("http") + "/sum"
	curlSum := func(extra ...string) (string, int) {
		args := append([]string{"-sS", "--max-time", "10", "--cacert", ca.File,
			"-H", "Content-Type: application/json", "-d", `{"a":1,"b":2}`}, extra...)
		return run(t, curl, append(args, sumURL)...)
	}
	good := func(after string) {
		t.Helper()
		if out, code := curlSum("--cert", client.CertFile, "--key", client.KeyFile); code != 0 || !strings.Contains(out, `"v":3`) {
			t.Fatalf("curl over mTLS after %s: exit %d, %q; want {\"v\":3}\n%s", after, code, out, p.log())
		}
	}
	good("start")

	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no client certificate", nil},
		{"client certificate from another CA", []string{"--cert", foreign.CertFile, "--key", foreign.KeyFile}},
	} {
		if out, code := curlSum(tc.args...); code == 0 {
			t.Errorf("curl with %s: exit 0, %q; want a refused handshake", tc.name, out)
		}
		good(tc.name)
	}
	if out, code := run(t, curl, "-sS", "--max-time", "10", "-H", "Content-Type: application/json", "-d", `{"a":1,"b":2}`,
		"http://"+p.addr("http")+"/sum"); code == 0 && strings.Contains(out, `"v":3`) {
		t.Errorf("plaintext curl to the TLS listener answered %q", out)
	}
	good("plaintext")

	// JSON-RPC over mTLS.
	out, code := run(t, curl, "-sS", "--max-time", "10", "--cacert", ca.File, "--cert", client.CertFile, "--key", client.KeyFile,
		"-H", "Content-Type: application/json", "-d", `{"jsonrpc":"2.0","method":"concat","params":{"a":"ab","b":"cd"},"id":1}`,
		"https://"+p.addr("jsonrpc"))
	if code != 0 || !strings.Contains(out, `"abcd"`) {
		t.Errorf("JSON-RPC concat over mTLS: exit %d, %q", code, out)
	}

	// addcli over each TLS transport, with and without its certificate.
	tlsArgs := []string{"-tls.ca", ca.File, "-tls.cert", client.CertFile, "-tls.key", client.KeyFile}
	for _, tr := range []string{"http", "jsonrpc", "grpc"} {
		args := append([]string{"-transport", tr, "-addr", p.addr(tr), "-retry.max", "1", "-timeout", "10s"}, tlsArgs...)
		if out, code := run(t, addcli, append(args, "20", "22")...); code != 0 || out != "42" {
			t.Errorf("addcli -transport %s over mTLS: exit %d, %q; want 42", tr, code, out)
		}
		noCert := []string{"-transport", tr, "-addr", p.addr(tr), "-retry.max", "1", "-timeout", "10s", "-tls.ca", ca.File, "1", "2"}
		if out, code := run(t, addcli, noCert...); code != 1 {
			t.Errorf("addcli -transport %s without a client certificate: exit %d, %q; want 1", tr, code, out)
		}
	}
	good("addcli")

	// grpcurl over mTLS, and refused without a client certificate.
	grpcurl := testenv.LookPath(t, "grpcurl")
	g := p.addr("grpc")
	if out, code := run(t, grpcurl, "-cacert", ca.File, "-cert", client.CertFile, "-key", client.KeyFile,
		"-d", `{"a":1,"b":2}`, g, "addsvc.Add/Sum"); code != 0 || !strings.Contains(out, `"v": "3"`) {
		t.Errorf("grpcurl Sum over mTLS: exit %d, %q; want v 3", code, out)
	}
	if out, code := run(t, grpcurl, "-cacert", ca.File, "-max-time", "10", "-d", `{"a":1,"b":2}`, g, "addsvc.Add/Sum"); code == 0 {
		t.Errorf("grpcurl Sum without a client certificate: exit 0, %q; want a refusal", out)
	}
	if out, code := run(t, grpcurl, "-cacert", ca.File, "-cert", client.CertFile, "-key", client.KeyFile,
		"-d", `{"a":"x","b":"y"}`, g, "addsvc.Add/Concat"); code != 0 || !strings.Contains(out, `"v": "xy"`) {
		t.Errorf("grpcurl Concat over mTLS after the refusal: exit %d, %q", code, out)
	}
}
