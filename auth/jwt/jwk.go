package jwt

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// MinRSABits is the smallest RSA modulus a JWKS key may have; smaller
// keys are skipped.
const MinRSABits = 2048

// jwk is one verification key of a key set, with the algorithms it may
// verify.
type jwk struct {
	kid  string
	key  any // *rsa.PublicKey, ed25519.PublicKey or *ecdsa.PublicKey; never []byte
	algs []string
}

// allows reports whether the key may verify a token signed with alg.
func (k *jwk) allows(alg string) bool { return slices.Contains(k.algs, alg) }

// jwkJSON is the part of RFC 7517/7518/8037 we read.
type jwkJSON struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

var errNoKeys = errors.New("no usable verification keys")

// parseJWKS decodes a JWK Set document. Keys it cannot use (symmetric
// keys, "use" other than "sig", unknown types and curves, weak RSA, bad
// material, an alg that does not fit the key type) are skipped; a document
// that is not a key set, or leaves no usable key, is an error, so that a
// broken answer never replaces keys that work.
func parseJWKS(data []byte) (map[string]*jwk, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("decode key set: %w", err)
	}
	keys := make(map[string]*jwk, len(doc.Keys))
	for _, raw := range doc.Keys {
		var j jwkJSON
		if json.Unmarshal(raw, &j) != nil {
			continue
		}
		k, err := parseJWK(j)
		if err != nil {
			continue
		}
		if _, dup := keys[k.kid]; !dup { // the first of two keys with one kid wins
			keys[k.kid] = k
		}
	}
	if len(keys) == 0 {
		return nil, errNoKeys
	}
	return keys, nil
}

func parseJWK(j jwkJSON) (*jwk, error) {
	if j.Use != "" && j.Use != "sig" {
		return nil, errors.New("not a signing key")
	}
	var (
		key  any
		algs []string
	)
	switch j.Kty {
	case "RSA":
		n, err1 := b64(j.N)
		e, err2 := b64(j.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("bad RSA key")
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < MinRSABits || pub.E < 3 || pub.E%2 == 0 {
			return nil, errors.New("weak RSA key")
		}
		key, algs = pub, []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	case "OKP":
		x, err := b64(j.X)
		if j.Crv != "Ed25519" || err != nil || len(x) != ed25519.PublicKeySize {
			return nil, errors.New("bad OKP key")
		}
		key, algs = ed25519.PublicKey(x), []string{"EdDSA"}
	case "EC":
		pub, alg, err := parseEC(j)
		if err != nil {
			return nil, err
		}
		key, algs = pub, []string{alg}
	default:
		return nil, errors.New("unsupported key type")
	}
	if j.Alg != "" {
		if !slices.Contains(algs, j.Alg) {
			return nil, errors.New("alg does not fit the key type")
		}
		algs = []string{j.Alg}
	}
	return &jwk{kid: j.Kid, key: key, algs: algs}, nil
}

func parseEC(j jwkJSON) (*ecdsa.PublicKey, string, error) {
	var (
		curve elliptic.Curve
		ec    ecdh.Curve
		alg   string
	)
	switch j.Crv {
	case "P-256":
		curve, ec, alg = elliptic.P256(), ecdh.P256(), "ES256"
	case "P-384":
		curve, ec, alg = elliptic.P384(), ecdh.P384(), "ES384"
	case "P-521":
		curve, ec, alg = elliptic.P521(), ecdh.P521(), "ES512"
	default:
		return nil, "", errors.New("unsupported curve")
	}
	size := (curve.Params().BitSize + 7) / 8
	x, err1 := b64(j.X)
	y, err2 := b64(j.Y)
	if err1 != nil || err2 != nil || len(x) != size || len(y) != size {
		return nil, "", errors.New("bad EC key")
	}
	// crypto/ecdh checks that the point is on the curve.
	if _, err := ec.NewPublicKey(slices.Concat([]byte{4}, x, y)); err != nil {
		return nil, "", errors.New("EC point not on the curve")
	}
	return &ecdsa.PublicKey{Curve: curve, X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}, alg, nil
}

// b64 decodes base64url, with or without padding.
func b64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
