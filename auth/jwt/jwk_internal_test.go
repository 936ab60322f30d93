package jwt

import (
	"encoding/json"
	"testing"
)

// FuzzParseJWKS feeds arbitrary documents to the key set parser, which
// reads what a key server (or anything pretending to be one) sends: never a
// panic; every key it keeps is an asymmetric public key with at least one
// algorithm that fits its type.
func FuzzParseJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""},{"kty":"oct","k":"c2VjcmV0"}]}`))
	f.Add([]byte(`{"keys":{}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		keys, err := parseJWKS(doc)
		if err != nil {
			if keys != nil {
				t.Fatalf("parseJWKS: keys %v with error %v", keys, err)
			}
			return
		}
		if len(keys) == 0 {
			t.Fatal("parseJWKS: no keys and no error")
		}
		for kid, k := range keys {
			if _, isBytes := k.key.([]byte); isBytes || k.key == nil {
				t.Fatalf("key %q is %T; want an asymmetric public key", kid, k.key)
			}
			if len(k.algs) == 0 || k.kid != kid {
				t.Fatalf("key %q: algs %v, kid %q", kid, k.algs, k.kid)
			}
		}
		if !json.Valid(doc) {
			t.Fatalf("parseJWKS accepted invalid JSON %q", doc)
		}
	})
}
