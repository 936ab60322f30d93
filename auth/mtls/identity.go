package mtls

import (
	"context"
	"crypto/tls"
	"slices"
	"strings"
)

// Identity is who the peer of a TLS connection proved to be: the names in
// the leaf of its verified certificate chain.
type Identity struct {
	// CommonName is the subject's CN, often empty in modern certificates.
	CommonName string
	// DNSNames are the DNS subject alternative names.
	DNSNames []string
	// URIs are the URI subject alternative names, as strings.
	URIs []string
	// SPIFFEID is the first URI SAN with the spiffe scheme
	// (spiffe://trust-domain/path), or empty.
	SPIFFEID string
}

// Names returns every name of the identity: the SPIFFE ID, the URI SANs,
// the DNS SANs and the CN, in that order, without empty ones.
func (id Identity) Names() []string {
	names := make([]string, 0, 2+len(id.URIs)+len(id.DNSNames))
	if id.SPIFFEID != "" {
		names = append(names, id.SPIFFEID)
	}
	for _, u := range id.URIs {
		if u != id.SPIFFEID {
			names = append(names, u)
		}
	}
	names = append(names, id.DNSNames...)
	if id.CommonName != "" {
		names = append(names, id.CommonName)
	}
	return names
}

// PeerIdentity returns the identity of the verified peer of a connection:
// the leaf of cs.VerifiedChains. It reports false when cs is nil or the
// peer's certificate was not verified (plain TLS without client
// certificates, or a client that sent none), so an unverified certificate is
// never taken for an identity.
func PeerIdentity(cs *tls.ConnectionState) (Identity, bool) {
	if cs == nil || len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) == 0 {
		return Identity{}, false
	}
	leaf := cs.VerifiedChains[0][0]
	id := Identity{CommonName: leaf.Subject.CommonName, DNSNames: slices.Clone(leaf.DNSNames)}
	for _, u := range leaf.URIs {
		s := u.String()
		id.URIs = append(id.URIs, s)
		if id.SPIFFEID == "" && strings.EqualFold(u.Scheme, "spiffe") {
			id.SPIFFEID = s
		}
	}
	return id, true
}

type contextKey struct{}

// NewContext returns a copy of ctx carrying id.
func NewContext(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, contextKey{}, id)
}

// FromContext returns the peer identity in ctx, put there by [NewContext],
// [HTTPToContext] or [GRPCToContext].
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(contextKey{}).(Identity)
	return id, ok
}
