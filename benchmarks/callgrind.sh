#!/usr/bin/env bash
# callgrind.sh prints the instructions per iteration of each benchmark named
# on the command line, counted by valgrind's callgrind: repeatable whatever
# else the machine is doing, unlike time per op.
#
#   ./callgrind.sh 'BenchmarkChain/depth=5/req=reused/impl=kit$' ...
#
# Each part of a name is an unanchored regular expression, as for -bench:
# 'BenchmarkLogFiltered/impl=kit-logfmt$' also runs
# BenchmarkLogFilteredPrebuilt's kit-logfmt and counts both. Anchor the
# parts ('^BenchmarkLogFiltered$/^impl=kit-logfmt$') when names share a
# prefix.
#
# Each benchmark runs twice, for N and 3N iterations (N=1000000 unless the
# environment sets N: a loopback round trip wants a few thousand); the
# difference divided by 2N cancels start-up. Go's asynchronous preemption signals upset
# callgrind, hence GODEBUG=asyncpreemptoff=1; valgrind does not know the
# RDTSCP instruction, which the runtime uses (when the CPU has it) to time
# lock spins, and kills the run with SIGILL, hence cpu.rdtscp=off.
set -euo pipefail
cd "$(dirname "$0")"
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
bin=$(mktemp -d)/kitbench.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
go test -c -o "$bin" .
n=${N:-1000000}
count() {
	GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off GOMAXPROCS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$bin" -test.run '^$' -test.bench "$1" -test.benchtime="$2"x 2>&1 >/dev/null |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for bench in "$@"; do
	lo=$(count "$bench" "$n")
	hi=$(count "$bench" $((3 * n)))
	echo "$bench $(((hi - lo) / (2 * n))) instructions/op"
done
