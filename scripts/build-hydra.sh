#!/usr/bin/env bash
# build-hydra.sh builds Ory Hydra, the OAuth2/OpenID Connect server whose
# JWT access tokens and JWK Set auth/jwt's interoperability test verifies,
# when it is not already built. Hydra has no Debian package and `go install`
# refuses its module (replace directives), so this builds it from the module
# source: v2.3.0 (Apache-2.0), with SQLite compiled in (cgo) for its
# in-memory database. About 8 minutes of module downloads and 15 of
# compilation on a busy 2-core machine; 59 MB.
#
# Usage: scripts/build-hydra.sh DIR   (the binary lands in DIR/hydra)
set -euo pipefail

VERSION=v2.3.0
dir=${1:?usage: build-hydra.sh DIR}
bin=$dir/hydra
if [[ -x $bin ]] && [[ $("$bin" version 2>/dev/null || true) == *"${VERSION}"* ]]; then
	exit 0
fi
mkdir -p "$dir"

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

export GOFLAGS=-mod=mod
src=$(cd "$work" && go mod download -json "github.com/ory/hydra/v2@${VERSION}" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
cp -r "$src" "$work/hydra"
chmod -R u+w "$work/hydra"
cd "$work/hydra"
# The release's go.mod replaces its API client with a directory that is a
# module of its own, left out of the module's zip: take the published one.
go mod edit -dropreplace github.com/ory/hydra-client-go/v2
CGO_ENABLED=1 go build -tags sqlite,sqlite_omit_load_extension \
	-ldflags "-s -w -X github.com/ory/hydra/v2/driver/config.Version=${VERSION}" -o "$bin.tmp.$$" .
mv "$bin.tmp.$$" "$bin"
"$bin" version | head -3
