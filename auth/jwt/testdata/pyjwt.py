"""The other implementation for auth/jwt's interoperability tests: PyJWT
(Debian's python3-jwt) with python-cryptography.

Reads one JSON request on stdin, writes one JSON answer on stdout.

  {"op": "mint", "keys": {kid: "RSA"|"Ed25519"}, "tokens": {name: {"alg", "kid"?, "secret"?, "claims"}}}
    -> {"jwks": {"keys": [...]}, "tokens": {name: token}}
    Keys are generated here; the JWK Set is PyJWT's own serialisation.
  {"op": "verify", "tokens": {name: {"token", "alg", "pem"?, "secret"?, "aud", "iss"}}}
    -> {name: {"ok": true, "sub", "kid"} | {"ok": false, "error": exception name}}
"""
import json
import sys

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm


def mint(req):
    keys, jwks = {}, []
    for kid, kind in req["keys"].items():
        if kind == "RSA":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            alg = "RS256"
        else:
            key = ed25519.Ed25519PrivateKey.generate()
            jwk = json.loads(OKPAlgorithm.to_jwk(key.public_key()))
            alg = "EdDSA"
        jwk["kid"] = kid
        jwks.append(jwk)
        keys[kid] = (key, alg)
    tokens = {}
    for name, t in req["tokens"].items():
        if t["alg"] == "HS256":
            key, alg, headers = t["secret"].encode(), "HS256", None
        else:
            key, alg = keys[t["kid"]]
            headers = {"kid": t["kid"]}
        tokens[name] = jwt.encode(t["claims"], key, algorithm=alg, headers=headers)
    return {"jwks": {"keys": jwks}, "tokens": tokens}


def verify(req):
    out = {}
    for name, v in req["tokens"].items():
        if v["alg"] == "HS256":
            key = v["secret"].encode()
        else:
            key = serialization.load_pem_public_key(v["pem"].encode())
        try:
            claims = jwt.decode(v["token"], key, algorithms=[v["alg"]], audience=v["aud"], issuer=v["iss"])
            kid = jwt.get_unverified_header(v["token"]).get("kid")
            out[name] = {"ok": True, "sub": claims["sub"], "kid": kid}
        except jwt.PyJWTError as e:
            out[name] = {"ok": False, "error": type(e).__name__}
    return out


req = json.load(sys.stdin)
json.dump({"mint": mint, "verify": verify}[req["op"]](req), sys.stdout)
