#!/usr/bin/env bash
# check.sh is kit's one test command (run it as `make check`). On a fresh
# machine with only Go installed it installs what the integration tests need,
# checks formatting and static analysis, and runs every test with the race
# detector, integration tests included. CI runs exactly this (.ci/run).
#
# Integration tests start their own servers (on loopback, in temp dirs) from
# the binaries installed here and stop them when they finish. This script sets
# KIT_INTEGRATION=1 so that a test whose server or peer is missing fails
# rather than skips.
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2

step() { printf '\n==> %s\n' "$*"; }

# --- Install what integration tests need -----------------------------------
# Each entry is "binary:debian-package". A package is installed only when its
# binary is missing, and only when we are root (a developer's laptop is left
# alone; its tests skip instead, naming what is missing).
APT_NEEDS=(
	curl:curl
	prometheus:prometheus
	carbon-cache:graphite-carbon
	redis-server:redis-server
	zooinspector:zookeeperd # loadbalancer/zk starts ZooKeeper from its jar; zooinspector marks the install
	thrift:thrift-compiler  # transport/thrift and addsvc generate their Python peers' code
	openssl:openssl         # auth/mtls: certificates made by a second X.509 implementation
	gcc:gcc                 # cgo: the SQLite of scripts/build-hydra.sh's Ory Hydra
)

# Python modules for Debian's /usr/bin/python3: "module:debian-package",
# installed when `import module` fails. auth/jwt's interoperability tests
# mint and verify tokens with PyJWT (RS256 and EdDSA need cryptography,
# which python3-jwt only recommends).
PY_APT_NEEDS=(
	jwt:python3-jwt
	cryptography:python3-cryptography
	thrift:python3-thrift # the Python Thrift peers of transport/thrift and addsvc
)

# Go tools: "binary:module/path@version".
GO_TOOLS=(
	grpcurl:github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4
)

# npm packages: "binary:package@version", installed into a cache directory
# (not globally) and put on PATH. Needs node and npm.
NPM_NEEDS=(
	statsd:statsd@0.9.0
)

apt_updated=0
install_apt() {
	local missing=()
	for need in "${APT_NEEDS[@]}"; do
		command -v "${need%%:*}" >/dev/null 2>&1 || missing+=("${need#*:}")
	done
	for need in "${PY_APT_NEEDS[@]}"; do
		/usr/bin/python3 -c "import ${need%%:*}" >/dev/null 2>&1 || missing+=("${need#*:}")
	done
	((${#missing[@]})) || return 0
	if [[ $(id -u) -ne 0 ]]; then
		echo "not root: not installing ${missing[*]}; tests that need them will fail" >&2
		return 0
	fi
	step "apt-get install ${missing[*]}"
	if ((apt_updated == 0)); then
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 update -qq
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_go_tools() {
	local gobin
	gobin=$(go env GOPATH)/bin
	for need in "${GO_TOOLS[@]}"; do
		local bin=${need%%:*} mod=${need#*:}
		command -v "$bin" >/dev/null 2>&1 || [[ -x $gobin/$bin ]] && continue
		step "go install $mod"
		go install "$mod"
	done
	export PATH=$gobin:$PATH
}

install_npm() {
	local prefix=${XDG_CACHE_HOME:-$HOME/.cache}/kit/npm
	for need in "${NPM_NEEDS[@]}"; do
		local bin=${need%%:*} pkg=${need#*:}
		[[ -x $prefix/node_modules/.bin/$bin ]] && continue
		command -v npm >/dev/null 2>&1 || { echo "npm missing: not installing $pkg" >&2; continue; }
		step "npm install $pkg"
		npm install --prefix "$prefix" --no-audit --no-fund --omit=optional --silent "$pkg"
	done
	export PATH=$prefix/node_modules/.bin:$PATH
}

install_apt
# loadbalancer/consul's tests run a real Consul agent, which has no Debian
# package: scripts/build-consul.sh builds it from source (about 15 minutes on
# a fresh machine, nothing when it is built already). It runs in the
# background while the other installs and the static checks run, and is
# waited for just before the tests.
CONSUL_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/kit/consul
consul_log=$(mktemp)
# setsid gives the build a process group of its own, so that a failing check
# stops the build (the go command and its compilers) along with the script.
setsid scripts/build-consul.sh "$CONSUL_DIR" >"$consul_log" 2>&1 &
consul_pid=$!
# The tracing tests send spans to a real OpenTelemetry Collector:
# scripts/build-otelcol.sh builds kit's small distribution of it from
# tools/otelcol (about 2 minutes on a fresh machine, nothing when it is up to
# date), in the background in the same way.
OTELCOL_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/kit/otelcol
otelcol_log=$(mktemp)
setsid scripts/build-otelcol.sh "$OTELCOL_DIR" >"$otelcol_log" 2>&1 &
otelcol_pid=$!
# auth/jwt's interoperability test verifies the JWT access tokens of a real
# OAuth2/OpenID Connect server, Ory Hydra: scripts/build-hydra.sh builds it
# from source (about 8 minutes of downloads and 15 of compilation on a busy
# machine, nothing when it is built already), in the background too.
HYDRA_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/kit/hydra
hydra_log=$(mktemp)
setsid scripts/build-hydra.sh "$HYDRA_DIR" >"$hydra_log" 2>&1 &
hydra_pid=$!
trap 'kill -- -"$consul_pid" 2>/dev/null || true; kill -- -"$otelcol_pid" 2>/dev/null || true; kill -- -"$hydra_pid" 2>/dev/null || true; rm -f "$consul_log" "$otelcol_log" "$hydra_log"' EXIT
export PATH=$CONSUL_DIR:$OTELCOL_DIR:$HYDRA_DIR:$PATH
install_go_tools
install_npm
export KIT_INTEGRATION=1

# --- Static checks ---------------------------------------------------------
step "gofmt"
unformatted=$(gofmt -l .)
if [[ -n $unformatted ]]; then
	echo "gofmt -l reports unformatted files:" >&2
	echo "$unformatted" >&2
	exit 1
fi

step "go vet"
go vet ./...
(cd benchmarks && go vet ./...)
(cd loadbalancer/etcd/integration && go vet ./...)
(cd compat && go vet ./...)

# Core packages import only the standard library (and kit's own std-only
# packages); adapters carry the ecosystem dependencies.
step "core packages import only the standard library"
STD_ONLY=(./endpoint ./log/... ./metrics ./metrics/discard ./metrics/generic ./metrics/multi ./metrics/instrument
	./metrics/expvar ./metrics/statsd ./metrics/dogstatsd ./metrics/graphite ./metrics/metricstest
	./ratelimit ./loadbalancer ./loadbalancer/static ./transport ./transport/http ./transport/http/jsonrpc ./transport/http/handler ./transport/http/roundtrip ./auth/basic ./fault)
outside=$(go list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' "${STD_ONLY[@]}" |
	grep -v '^github.com/endpointkit/kit/' || true)
if [[ -n $outside ]]; then
	echo "core packages (${STD_ONLY[*]}) depend on packages outside the standard library:" >&2
	echo "$outside" >&2
	exit 1
fi

step "staticcheck"
go run "$STATICCHECK" ./...
(cd benchmarks && go run "$STATICCHECK" ./...)
(cd loadbalancer/etcd/integration && go run "$STATICCHECK" ./...)
(cd compat && go run "$STATICCHECK" ./...)

# --- Tests -----------------------------------------------------------------
step "wait for the Consul agent build"
if ! wait "$consul_pid"; then
	echo "scripts/build-consul.sh failed:" >&2
	cat "$consul_log" >&2
	exit 1
fi
tail -n 1 "$consul_log"
step "wait for the OpenTelemetry Collector build"
if ! wait "$otelcol_pid"; then
	echo "scripts/build-otelcol.sh failed:" >&2
	cat "$otelcol_log" >&2
	exit 1
fi
tail -n 1 "$otelcol_log"
step "wait for the Ory Hydra build"
if ! wait "$hydra_pid"; then
	echo "scripts/build-hydra.sh failed:" >&2
	cat "$hydra_log" >&2
	exit 1
fi
tail -n 3 "$hydra_log" | head -n 1

step "go test -race ./..."
go test -race -count=1 ./...

# Every benchmark beside the code runs once, so none rots unnoticed. The
# same build, without the race detector, runs the allocation tests: under
# -race sync.Pool drops buffers at random, so those that depend on a pool
# can only assert 0 allocs/op here.
step "go test -run Alloc -bench . -benchtime=1x ./... (no race detector)"
go test -count=1 -run 'Alloc' -bench . -benchtime=1x ./... >/dev/null
# The etcd discovery source's integration tests run an in-process etcd
# server; they live in their own module to keep the server's dependencies
# out of kit's go.mod.
step "go test -race ./... in loadbalancer/etcd/integration/"
(cd loadbalancer/etcd/integration && go test -race -count=1 ./...)

# The benchmarks module's tests check that every contestant computes the same
# thing; running them keeps the module compiling. Benchmarks run separately
# (see benchmarks/README.md).
step "go test ./... in benchmarks/"
(cd benchmarks && go test -count=1 ./...)

# Go kit source compatibility, in a module of its own so that kit's go.mod
# never requires Go kit: TestAPI compares Go kit v0.13's exported API with
# kit's for every package MIGRATING.md maps (differences must be listed in
# compat/exceptions.txt), and TestPortedExamples builds and tests services
# written against Go kit, before and after rewriting their imports to kit.
step "go test ./... in compat/ (Go kit API and ported examples)"
(cd compat && go test -count=1 ./...)

step "all checks passed"
