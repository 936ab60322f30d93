# make check is kit's one test command; see scripts/check.sh.
.PHONY: check test bench fuzz

check:
	./scripts/check.sh

# test runs the unit tests only (integration tests skip when their server is missing).
test:
	go test -race ./...

bench:
	cd benchmarks && go test -run '^$$' -bench . -count 6 | tee bench.out

# fuzz runs every fuzz target for FUZZTIME (60s) each; see scripts/fuzz.sh.
fuzz:
	./scripts/fuzz.sh
