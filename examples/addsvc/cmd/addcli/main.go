// Command addcli calls the Add service over the transport named by -transport
// (http, jsonrpc, grpc or thrift):
//
//	addcli -transport grpc -method sum 1 2        # prints 3
//	addcli -transport http -method concat ab cd   # prints abcd
//
// It calls one instance (-addr, by default addsvc's default address for the
// transport), a fixed list of them (-instances a:1,b:2), the instances a DNS
// SRV name resolves to (-dnssrv), those registered in etcd under a prefix
// (-etcd.endpoints, -etcd.prefix), or the passing instances of a service in
// Consul (-consul, -consul.addr, -consul.tags). Each call goes through the
// client stack of kit, built by package addclient:
//
//	client-side rate limit (-ratelimit)
//	→ retry with a budget (-retry.*), each attempt on another instance
//	→ hedging (-hedge, -hedge.*): a backup attempt when the first is slow
//	→ balancer (-balancer: p2c, leastinflight, roundrobin or random)
//	→ endpointer following discovery, one endpoint per instance
//	→ circuit breaker per instance (-breaker)
//	→ transport client
//
// -otlp-endpoint and -zipkin-url trace the calls (see package addtracing):
// with -trace-sample 1, each call is one trace holding addcli's span for
// the call, a client span per attempt and, with addsvc traced too, its
// server and endpoint spans.
//
// -auth.token (or the ADDCLI_TOKEN environment variable) is a Bearer token
// sent on every call, for an addsvc started with -auth.jwks; with -tls.cert
// and -tls.key, addcli shows a client certificate for -auth.allow.
//
// -n repeats the call, printing each result. It exits 0 on success, 2 on a
// business error (integer overflow, maximum length) and 1 when a call itself
// fails.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addclient"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtracing"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
)

func main() {
	os.Exit(call(os.Args[1:], os.Stdout, os.Stderr))
}

// errBusiness marks a business error, for the exit status.
type errBusiness struct{ error }

// call is the whole program; it returns the exit status.
func call(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("addcli", flag.ContinueOnError)
	stack := addclient.RegisterFlags(fs) // -transport, discovery, -balancer, -retry.*, -hedge.*, -breaker.*, -ratelimit.*, -tls.*
	var (
		method   = fs.String("method", "sum", "method to call: sum or concat")
		repeat   = fs.Int("n", 1, "how many times to make the call")
		timeout  = fs.Duration("timeout", 5*time.Second, "deadline of each call, retries included")
		logLevel = fs.String("log.level", "warn", "lowest level logged to stderr: debug, info, warn or error")
		token    = fs.String("auth.token", "", "Bearer token sent on every call (default: $ADDCLI_TOKEN, which other users of the machine cannot read in the process list)")
	)
	tracing := addtracing.Flags(fs, "addcli") // -zipkin-url, -otlp-endpoint, -trace-sample
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: addcli [flags] a b")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return 1
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "addcli:", err)
		return 1
	}
	allowed, err := level.Parse(*logLevel)
	if err != nil {
		return fail(fmt.Errorf("-log.level: %w", err))
	}
	var logger log.Logger
	{
		logger = log.NewLogfmtLogger(log.NewSyncWriter(stderr))
		logger = level.NewFilter(logger, level.Allow(allowed))
		logger = log.With(logger, "ts", log.DefaultTimestampUTC, "caller", log.DefaultCaller)
	}

	settings, err := stack.Settings()
	if err != nil {
		return fail(err)
	}

	// Discovery: where the instances come from.
	instancer, stop, err := addclient.NewInstancer(stack.Discovery(), logger)
	if err != nil {
		return fail(err)
	}
	defer stop.Close() // after the endpointers are closed (defers run last in, first out)

	// Tracing (off without -zipkin-url or -otlp-endpoint); the spans are
	// flushed when call returns, after the last call.
	tracers, err := tracing.Start(context.Background())
	if err != nil {
		return fail(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tracers.Shutdown(ctx); err != nil {
			fmt.Fprintln(stderr, "addcli: flushing traces:", err)
		}
	}()

	// The client stack over discovery (see package addclient). Its
	// endpointers are closed (and with them every instance's connection)
	// when call returns.
	settings.TracerProvider, settings.Zipkin = tracers.OTel(), tracers.ZipkinTracer()
	settings.Token = bearerToken(*token, os.Getenv)
	svc, closer, err := addclient.New(instancer, settings, logger)
	if err != nil {
		return fail(err)
	}
	defer closer.Close()

	for range max(1, *repeat) {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		out, err := callMethod(ctx, svc, *method, fs.Arg(0), fs.Arg(1))
		cancel()
		var be errBusiness
		switch {
		case errors.As(err, &be):
			fmt.Fprintln(stderr, "addcli:", be.error)
			return 2
		case err != nil:
			return fail(err)
		}
		fmt.Fprintln(stdout, out)
	}
	return 0
}

// bearerToken returns the token to send: the -auth.token flag's, or else
// the ADDCLI_TOKEN environment variable's; spaces around it are dropped.
func bearerToken(flagValue string, getenv func(string) string) string {
	if flagValue != "" {
		return strings.TrimSpace(flagValue)
	}
	return strings.TrimSpace(getenv("ADDCLI_TOKEN"))
}

// callMethod calls method; business errors come back as errBusiness.
func callMethod(ctx context.Context, svc addservice.Service, method, a, b string) (string, error) {
	var out string
	var err error
	switch method {
	case "sum":
		x, perr := strconv.Atoi(a)
		y, perr2 := strconv.Atoi(b)
		if err := errors.Join(perr, perr2); err != nil {
			return "", err
		}
		var v int
		v, err = svc.Sum(ctx, x, y)
		out = strconv.Itoa(v)
	case "concat":
		out, err = svc.Concat(ctx, a, b)
	default:
		return "", fmt.Errorf("unknown method %q", method)
	}
	if errors.Is(err, addservice.ErrIntOverflow) || errors.Is(err, addservice.ErrMaxSizeExceeded) {
		return "", errBusiness{err}
	}
	return out, err
}

// The Set built by each transport is a Service.
var _ addservice.Service = addendpoint.Set{}
