#!/usr/bin/env bash
# fuzz.sh runs every fuzz target in kit's module for FUZZTIME each (60s by
# default), one after another: `make fuzz`, or `scripts/fuzz.sh PATTERN` for
# the targets whose package directory or name matches PATTERN. The targets
# are the `func FuzzXxx(f *testing.F)` in the module's test files, so a new
# one is fuzzed without being listed anywhere. Their seed corpora already run as ordinary tests in
# `make check`; this finds new inputs. A crasher is written to the package's
# testdata/fuzz directory, where `go test` replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-60s}
pattern=${1:-}
failed=()
# files counts the inputs in a corpus directory (0 when it does not exist).
files() { if [[ -d $1 ]]; then find "$1" -type f | wc -l; else echo 0; fi; }
# tools/ and the other modules (benchmarks, compat) have no fuzz targets.
while read -r file target; do
	pkg=./$(dirname "$file")
	[[ -z $pattern || "$pkg.$target" == *"$pattern"* ]] || continue
	printf '\n==> %s %s (%s)\n' "$pkg" "$target" "$fuzztime"
	corpus=$pkg/testdata/fuzz/$target
	before=$(files "$corpus")
	log=$(mktemp)
	if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tee "$log"; [[ ${PIPESTATUS[0]} -ne 0 ]]; then
		after=$(files "$corpus")
		# Go's fuzz coordinator can report its own -fuzztime deadline
		# as the target's failure when a worker is mid-input at that
		# moment (go.dev/issue/75804, fixed in Go 1.27). A failure
		# that wrote no new crasher and says only that is not one.
		if ((after == before)) && grep -q 'context deadline exceeded' "$log" && ! grep -q 'panic:\|Failing input' "$log"; then
			echo "(stopped at -fuzztime by Go's coordinator, go.dev/issue/75804: no crasher)"
		else
			failed+=("$pkg.$target")
		fi
	fi
	rm -f "$log"
done < <(git ls-files '*_test.go' ':!:tools/**' ':!:benchmarks/**' ':!:compat/**' |
	xargs grep -H '^func Fuzz[A-Za-z0-9_]*(f \*testing\.F)' |
	sed 's/^\([^:]*\):func \(Fuzz[A-Za-z0-9_]*\)(.*/\1 \2/' | sort)
if ((${#failed[@]})); then
	printf '\nfuzz targets that failed:\n' >&2
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
