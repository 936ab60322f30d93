# make check is kit's one test command; see scripts/check.sh.
.PHONY: check test bench fuzz plots render

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

# plots runs the benchmark scenarios in their long form (about 5 minutes),
# writing their per-second timelines as CSV into docs/plots, then renders
# them as PNGs beside the CSVs; see docs/plots/README.md. The images are
# rendered even when a scenario's assertion failed (make still fails).
plots:
	cd benchmarks && { go test -run 'Scenario' -scenario -csv ../docs/plots -v . ; status=$$?; \
		go run ./cmd/plot ../docs/plots && exit $$status; }

# render renders the CSV timelines in PLOTS (a directory or <name>.csv
# files, relative to the repository) as PNGs beside them, e.g.
# make render PLOTS=docs/chaos.
PLOTS ?= docs/plots
render:
	cd benchmarks && go run ./cmd/plot $(addprefix ../,$(PLOTS))
