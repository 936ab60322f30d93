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
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

func main() {
	os.Exit(call(os.Args[1:], os.Stdout, os.Stderr))
}

// errBusiness marks a business error, for the exit status.
type errBusiness struct{ error }

// call is the whole program; it returns the exit status.
func call(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("addcli", flag.ContinueOnError)
	var (
		transport     = fs.String("transport", "http", "transport to use: http, jsonrpc, grpc or thrift")
		thriftProto   = fs.String("thrift-protocol", "header", "with -transport thrift: header, binary, compact or json")
		thriftFramed  = fs.Bool("thrift-framed", false, "with -transport thrift: frame binary, compact or json messages")
		addr          = fs.String("addr", "", "address of the one server to call (default: the addsvc default for the transport)")
		instances     = fs.String("instances", "", "comma-separated addresses of the servers to balance over, instead of -addr")
		srvName       = fs.String("dnssrv", "", "DNS SRV name whose targets are the servers, e.g. _http._tcp.addsvc.example.com")
		srvInterval   = fs.Duration("dnssrv.interval", 5*time.Second, "how often to look up -dnssrv again")
		srvServer     = fs.String("dnssrv.server", "", "host:port of the DNS server for -dnssrv (default: the system's resolver)")
		consulService = fs.String("consul", "", "name of the Consul service whose passing instances are the servers, e.g. addsvc-grpc")
		consulAddr    = fs.String("consul.addr", "127.0.0.1:8500", "address of the Consul agent to ask for -consul")
		consulTags    = fs.String("consul.tags", "", "comma-separated tags every instance of -consul must have")
		etcdEndpoints = fs.String("etcd.endpoints", "", "comma-separated etcd endpoints to discover the servers from")
		etcdPrefix    = fs.String("etcd.prefix", "/services/addsvc/", "etcd key prefix under which each server's address is a value")
		balancerName  = fs.String("balancer", "p2c", "load balancer: p2c (power of two choices over peak-EWMA latency), leastinflight, roundrobin or random")
		retryMax      = fs.Int("retry.max", 3, "attempts per call in all, the first included (1: no retry)")
		retryAttempt  = fs.Duration("retry.attempt-timeout", 0, "deadline of each attempt (0: only the call's -timeout)")
		retryBudget   = fs.Float64("retry.budget", 0.2, "retries allowed per call, over a 10s window, plus a floor of 10 per second")
		breakerOn     = fs.Bool("breaker", true, "guard each instance with a circuit breaker (opens at 50% failures of at least -breaker.min calls in 10s)")
		breakerMin    = fs.Int("breaker.min", 20, "calls the breaker's window must hold before it may open")
		breakerOpen   = fs.Duration("breaker.open", 5*time.Second, "how long an open breaker refuses calls before probing")
		rateLimit     = fs.Float64("ratelimit", 0, "calls per second this client may make, beyond which calls fail at once (0: no limit)")
		rateBurst     = fs.Int("ratelimit.burst", 1, "calls this client may make at once above -ratelimit")
		method        = fs.String("method", "sum", "method to call: sum or concat")
		repeat        = fs.Int("n", 1, "how many times to make the call")
		timeout       = fs.Duration("timeout", 5*time.Second, "deadline of each call, retries included")
		logLevel      = fs.String("log.level", "warn", "lowest level logged to stderr: debug, info, warn or error")
		token         = fs.String("auth.token", "", "Bearer token sent on every call (default: $ADDCLI_TOKEN, which other users of the machine cannot read in the process list)")
	)
	tlsFlags := registerTLSFlags(fs)
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

	tlsConfig, err := tlsFlags.config()
	if err != nil {
		return fail(err)
	}
	thriftProtocol, err := kitthrift.ParseProtocol(*thriftProto)
	if err != nil {
		return fail(fmt.Errorf("-thrift-protocol: %w", err))
	}
	defaults := map[string]string{"http": "127.0.0.1:8081", "grpc": "127.0.0.1:8082", "thrift": "127.0.0.1:8083", "jsonrpc": "127.0.0.1:8084"}
	if _, ok := defaults[*transport]; !ok {
		return fail(fmt.Errorf("unknown transport %q", *transport))
	}

	// Discovery: where the instances come from.
	d := addclient.Discovery{
		ConsulService:  *consulService,
		ConsulAddr:     *consulAddr,
		DNSSRV:         *srvName,
		DNSSRVInterval: *srvInterval,
		DNSServer:      *srvServer,
		EtcdPrefix:     *etcdPrefix,
	}
	if *consulTags != "" {
		d.ConsulTags = strings.Split(*consulTags, ",")
	}
	if *etcdEndpoints != "" {
		d.EtcdEndpoints = strings.Split(*etcdEndpoints, ",")
	}
	list := *instances
	if list == "" {
		list = *addr
	}
	if list == "" {
		list = defaults[*transport]
	}
	d.Instances = strings.Split(list, ",")
	instancer, stop, err := addclient.NewInstancer(d, logger)
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
	svc, closer, err := addclient.New(instancer, addclient.Settings{
		Transport:           *transport,
		ThriftProtocol:      thriftProtocol,
		ThriftFramed:        *thriftFramed,
		Balancer:            *balancerName,
		RetryMax:            max(1, *retryMax),
		RetryAttemptTimeout: *retryAttempt,
		RetryBudget:         *retryBudget,
		NoBreaker:           !*breakerOn,
		BreakerMinRequests:  *breakerMin,
		BreakerOpenFor:      *breakerOpen,
		RateLimit:           *rateLimit,
		RateBurst:           *rateBurst,
		TLS:                 tlsConfig,
		Token:               bearerToken(*token, os.Getenv),
		TracerProvider:      tracers.OTel(),
		Zipkin:              tracers.ZipkinTracer(),
	}, logger)
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
