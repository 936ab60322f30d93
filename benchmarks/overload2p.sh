#!/usr/bin/env bash
# overload2p.sh runs BenchmarkScenarioOverloadHTTP with its server in a
# process of its own, to tell the harness's share of a goodput loss from
# the limiter's. With SPLIT=1 (the default) the server is pinned to CPU 0
# and the client to CPU 1 (taskset), so neither takes the other's CPU
# either; SPLIT=0 leaves both free. COUNT (default 6) runs per contestant;
# the output is the benchmark's, for benchstat. Further arguments go to the
# client (-overload.loaded reports runs on a loaded machine).
#
#   ./overload2p.sh > two-process.txt && benchstat two-process.txt
set -euo pipefail
cd "$(dirname "$0")"
count=${COUNT:-6}
split=${SPLIT:-1}
dir=$(mktemp -d)
bin=$dir/kitbench.test
server_pid=
cleanup() {
	[[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
go test -c -o "$bin" .
server_cpu=() client_cpu=()
if [[ $split == 1 ]]; then
	command -v taskset >/dev/null || { echo "taskset is not installed (util-linux)" >&2; exit 1; }
	server_cpu=(taskset -c 0) client_cpu=(taskset -c 1)
fi
"${server_cpu[@]}" "$bin" -overload.serve 127.0.0.1:0 >"$dir/url" &
server_pid=$!
for _ in $(seq 100); do [[ -s $dir/url ]] && break; sleep 0.1; done
url=$(head -1 "$dir/url")
[[ $url == http://* ]] || { echo "the server did not start" >&2; exit 1; }
"${client_cpu[@]}" "$bin" -test.run '^$' -test.bench ScenarioOverloadHTTP -test.benchtime 1x \
	-test.count "$count" -overload.remote "$url" "$@"
