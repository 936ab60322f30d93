package mtls_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/auth/mtls"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/internal/testcerts"
)

// TestPeerIdentity reads names from the verified leaf only: an unverified
// peer certificate gives no identity.
func TestPeerIdentity(t *testing.T) {
	p := newPKI(t)
	pair := p.ca.Issue(t, p.dir, "multi", testcerts.Leaf{CommonName: "cn", DNSNames: []string{"a.example"},
		URIs: []string{"https://example.org/x", goodID}, Client: true})
	c, err := tls.X509KeyPair(pair.CertPEM, pair.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	leaf := c.Leaf
	if _, ok := mtls.PeerIdentity(nil); ok {
		t.Error("PeerIdentity(nil) reported an identity")
	}
	if _, ok := mtls.PeerIdentity(&tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}}); ok {
		t.Error("PeerIdentity of an unverified certificate reported an identity")
	}
	id, ok := mtls.PeerIdentity(&tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{leaf, p.ca.Cert}}})
	if !ok {
		t.Fatal("PeerIdentity of a verified chain reported none")
	}
	if id.CommonName != "cn" || id.SPIFFEID != goodID || !slices.Equal(id.DNSNames, []string{"a.example"}) ||
		!slices.Equal(id.URIs, []string{"https://example.org/x", goodID}) {
		t.Errorf("PeerIdentity = %+v", id)
	}
	want := []string{goodID, "https://example.org/x", "a.example", "cn"}
	if got := id.Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
}

// TestAuthorizeErrors: 401/Unauthenticated without an identity,
// 403/PermissionDenied for a refused one, both caller errors.
func TestAuthorizeErrors(t *testing.T) {
	e := mtls.Authorize(mtls.AllowNames(goodID, "trusted-cn", "api.example.org", "https://example.org/svc"))(func(context.Context, any) (any, error) { return "ok", nil })
	for _, tc := range []struct {
		name     string
		ctx      context.Context
		wantErr  error
		wantHTTP int
		wantGRPC codes.Code
	}{
		{"no identity", context.Background(), mtls.ErrNoIdentity, http.StatusUnauthorized, codes.Unauthenticated},
		{"other", mtls.NewContext(context.Background(), mtls.Identity{SPIFFEID: otherID, URIs: []string{otherID}}), mtls.ErrForbidden, http.StatusForbidden, codes.PermissionDenied},
		{"allowed spiffe", mtls.NewContext(context.Background(), mtls.Identity{SPIFFEID: goodID}), nil, 0, codes.OK},
		{"allowed dns SAN", mtls.NewContext(context.Background(), mtls.Identity{DNSNames: []string{"x.example", "api.example.org"}}), nil, 0, codes.OK},
		{"allowed URI SAN", mtls.NewContext(context.Background(), mtls.Identity{URIs: []string{"https://example.org/svc"}}), nil, 0, codes.OK},
		{"empty identity", mtls.NewContext(context.Background(), mtls.Identity{}), mtls.ErrForbidden, http.StatusForbidden, codes.PermissionDenied},
		{"allowed cn", mtls.NewContext(context.Background(), mtls.Identity{CommonName: "trusted-cn"}), nil, 0, codes.OK},
	} {
		resp, err := e(tc.ctx, nil)
		if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.wantErr)
			continue
		}
		if err == nil {
			if resp != "ok" {
				t.Errorf("%s: resp = %v", tc.name, resp)
			}
			continue
		}
		var me *mtls.Error
		if !errors.As(err, &me) || me.StatusCode() != tc.wantHTTP {
			t.Errorf("%s: %v, want status %d", tc.name, err, tc.wantHTTP)
		}
		if c := status.Code(err); c != tc.wantGRPC {
			t.Errorf("%s: gRPC code %v, want %v", tc.name, c, tc.wantGRPC)
		}
		if o := endpoint.Classify(context.Background(), nil, err); o.Kind != endpoint.CallerError || o.Failed() {
			t.Errorf("%s: Classify = %v, want caller_error", tc.name, o)
		}
	}
}

func BenchmarkAuthorize(b *testing.B) {
	e := mtls.Authorize(mtls.AllowNames(goodID))(func(context.Context, any) (any, error) { return nil, nil })
	ctx := mtls.NewContext(context.Background(), mtls.Identity{SPIFFEID: goodID, URIs: []string{goodID}, DNSNames: []string{"a"}})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}
