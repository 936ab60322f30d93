#!/usr/bin/env bash
# build-otelcol.sh builds kit-otelcol, the small OpenTelemetry Collector that
# the tracing tests send spans to (tools/otelcol: OTLP and Zipkin receivers,
# batch processor, file exporter), when it is missing or outdated. The
# collector's modules need Go 1.26, so it is a module of its own and never
# enters kit's go.mod. About 2 minutes from an empty module cache.
#
# Usage: scripts/build-otelcol.sh DIR   (the binary lands in DIR/kit-otelcol)
set -euo pipefail

src=$(cd "$(dirname "$0")/../tools/otelcol" && pwd)
dir=${1:?usage: build-otelcol.sh DIR}
bin=$dir/kit-otelcol
# The binary is outdated when the sources it was built from changed: their
# hash is kept beside it.
want=$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -d' ' -f1)
if [[ -x $bin && -f $bin.stamp && $(cat "$bin.stamp") == "$want" ]]; then
	exit 0
fi
mkdir -p "$dir"
cd "$src"
# A temporary name of this run's own, renamed into place: two builds at once
# (two checks on one machine) do not write one file.
go build -trimpath -ldflags "-s -w" -o "$bin.tmp.$$" .
mv "$bin.tmp.$$" "$bin"
echo "$want" >"$bin.stamp"
"$bin" --version
