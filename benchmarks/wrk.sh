#!/usr/bin/env bash
# wrk.sh loads each HTTP sum server (raw net/http, Go kit, kit) from a second
# process with wrk, so that only the server side is measured. It needs wrk
# (Debian: wrk) and prints one wrk summary per server.
#
#   ./wrk.sh [duration] [connections]     # defaults: 10s 64
#   IMPLS="kit gokit raw" ./wrk.sh         # another order
set -euo pipefail
cd "$(dirname "$0")"
duration=${1:-10s}
conns=${2:-64}
base=18080

command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }
tmp=$(mktemp -d)
go build -o "$tmp/sumserver" ./cmd/sumserver
"$tmp/sumserver" -base "$base" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

cat >"$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"a":1,"b":2}'
wrk.headers["Content-Type"] = "application/json"
LUA

# Wait (bounded) until the last server answers.
for _ in $(seq 100); do
	curl -fsS -d '{"a":1,"b":2}' "http://127.0.0.1:$((base + 2))/" >/dev/null 2>&1 && break
	sleep 0.05
done

declare -A port=([raw]=$base [gokit]=$((base + 1)) [kit]=$((base + 2)))
for impl in ${IMPLS:-raw gokit kit}; do
	echo "== impl=$impl"
	wrk -t 2 -c "$conns" -d "$duration" --latency -s "$tmp/post.lua" "http://127.0.0.1:${port[$impl]}/"
done
