#!/usr/bin/env bash
# cputime.sh prints the on-CPU nanoseconds per iteration of each benchmark
# named on the command line: the task-clock (time the process was running,
# from perf stat) of a 3N-iteration run minus that of an N-iteration run,
# divided by 2N, three times. Unlike ns/op it leaves out the time the
# process waited for a CPU, so it holds up on a loaded machine better, though
# caches shared with other processes still cost. N defaults to 1000000.
#
#   ./cputime.sh 'BenchmarkKitBackends/op=counter/impl=statsd$' ...
set -euo pipefail
cd "$(dirname "$0")"
command -v perf >/dev/null || { echo "perf is not installed" >&2; exit 1; }
n=${N:-1000000}
bin=$(mktemp -d)/kitbench.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" .
msec() {
	GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 perf stat -e task-clock -x, \
		"$bin" -test.run '^$' -test.bench "$1" -test.benchtime="$2"x 2>&1 >/dev/null |
		awk -F, '/task-clock/ {print $1}'
}
for bench in "$@"; do
	out=""
	for _ in 1 2 3; do
		lo=$(msec "$bench" "$n")
		hi=$(msec "$bench" $((3 * n)))
		out="$out $(awk -v lo="$lo" -v hi="$hi" -v n="$n" 'BEGIN {printf "%.1f", (hi - lo) * 1e6 / (2 * n)}')"
	done
	echo "$bench on-CPU ns/op:$out"
done
