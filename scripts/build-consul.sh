#!/usr/bin/env bash
# build-consul.sh builds the Consul agent that loadbalancer/consul's
# integration tests run, when it is not already built. Consul has no Debian
# package and `go install` refuses its module (it has replace directives), so
# this builds it from the module source: v1.16.1, the newest release under the
# MPL-2.0 licence.
#
# Usage: scripts/build-consul.sh DIR   (the binary lands in DIR/consul)
set -euo pipefail

VERSION=v1.16.1
dir=${1:?usage: build-consul.sh DIR}
bin=$dir/consul
# (Not `version | grep -q`: under pipefail, grep closing the pipe early can
# fail the pipeline, and the agent would be rebuilt every time.)
if [[ -x $bin ]] && [[ $("$bin" version 2>/dev/null || true) == *"Consul ${VERSION}"* ]]; then
	exit 0
fi
mkdir -p "$dir"

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

# Fetch the module source through the module proxy into the module cache,
# then build a writable copy of it.
export GOFLAGS=-mod=mod
export GONOSUMDB=github.com/hashicorp/consul
src=$(cd "$work" && go mod download -json "github.com/hashicorp/consul@${VERSION}" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
cp -r "$src" "$work/consul"
chmod -R u+w "$work/consul"
cd "$work/consul"
# The submodules are replaced by local directories in the release's go.mod;
# take the published versions instead.
for m in api envoyextensions proto-public sdk troubleshoot; do
	go mod edit -dropreplace "github.com/hashicorp/consul/$m"
done
# A temporary name of this run's own, renamed into place: two builds at once
# (two checks on one machine) do not write one file.
go build -trimpath -ldflags "-s -w" -o "$bin.tmp.$$" .
mv "$bin.tmp.$$" "$bin"
"$bin" version | head -1
