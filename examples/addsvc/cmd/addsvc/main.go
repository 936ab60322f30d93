// Command addsvc serves the Add service over HTTP/JSON, JSON-RPC 2.0, gRPC
// and Thrift at once, plus a debug listener with pprof, until SIGINT or
// SIGTERM; then it stops accepting requests, lets those in flight finish,
// and exits 0.
//
// # Shutdown
//
// On the signal, gRPC health turns NOT_SERVING first, then every listener
// stops accepting at once, and in-flight requests on every transport share
// one deadline, -shutdown-timeout; what is still running then is cut off
// (connections closed) and the process exits.
//
// # Slow and idle clients
//
// Every HTTP listener bounds a request's headers (10s), the whole request
// (-http.read-timeout, 30s), the time from its headers to the end of its
// response (-http.write-timeout, 60s; not on the debug listener, whose
// profiles stream for as long as asked) and a keep-alive connection's idle
// time (-http.idle-timeout, 2m). The gRPC server allows 100 concurrent
// calls per connection, 10s for a handshake, closes connections idle for
// -http.idle-timeout, pings silent ones every minute (closing them after 20s
// without an answer), refuses client pings more often than every 10s, and
// turns a panic in any handler into an Internal error, logged with its
// stack. See shutdown.go and grpc.go.
//
// Every listener binds to loopback by default; pass -http-addr :8081 and so
// on to serve other hosts. An address with port 0 picks a free port; the
// address actually bound is logged as "transport=... addr=...".
//
// Each endpoint may be guarded by a rate limit (-ratelimit, -ratelimit.burst)
// and a concurrency limit (-maxinflight fixed, or -maxinflight.adaptive); a
// refused call is answered 429 Too Many Requests over HTTP and JSON-RPC,
// ResourceExhausted over gRPC, and the declared exception Limited over
// Thrift. Request counts and latencies per method are served in the
// Prometheus format at the debug listener's /metrics.
//
// Faults can be injected on purpose (-fault.latency, -fault.error-p and the
// other -fault.* flags, off by default), and switched at run time with PUT
// /debug/fault on the debug listener; see fault.go.
//
// # Who may call
//
// -auth.allow (client certificate identities, with mutual TLS) and
// -auth.jwks (Bearer tokens signed by a JWK Set's keys, with
// -auth.jwt-issuer, -auth.jwt-audience, -auth.jwt-subjects,
// -auth.jwt-algs) each add a check every call on every transport must
// pass; by default everyone may call. A caller without valid credentials
// is refused 401 / Unauthenticated, one proven but not allowed 403 /
// PermissionDenied (Thrift: kitthrift.ExceptionUnauthenticated and
// ExceptionPermissionDenied; JSON-RPC: -32602 with the HTTP status). See
// auth.go.
//
// # Tracing
//
// -otlp-endpoint (OTLP/HTTP, host:port or URL) and -zipkin-url (a Zipkin v2
// spans API) turn tracing on, with OpenTelemetry, Zipkin or both: a server
// span per call on every transport and an endpoint span under it. Trace
// context is read from the callers' headers (W3C Trace Context over HTTP,
// JSON-RPC, gRPC metadata and THeader for OpenTelemetry; B3 for Zipkin).
// -trace-sample (0 by default) is the fraction of the traces addsvc itself
// starts that are recorded; a caller's sampled trace is always continued.
// See package addtracing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"syscall"
	"time"

	"github.com/oklog/run"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/addthrift"
	"github.com/endpointkit/kit/examples/addsvc/pb"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtracing"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
	kitprom "github.com/endpointkit/kit/metrics/prometheus"
	"github.com/endpointkit/kit/ratelimit"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

func main() {
	if err := serve(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "addsvc:", err)
		os.Exit(1)
	}
}

// serve is the whole program; main only maps its error to an exit status.
func serve(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("addsvc", flag.ContinueOnError)
	var (
		debugAddr       = fs.String("debug-addr", "127.0.0.1:8080", "debug and pprof listen address")
		httpAddr        = fs.String("http-addr", "127.0.0.1:8081", "HTTP/JSON listen address")
		grpcAddr        = fs.String("grpc-addr", "127.0.0.1:8082", "gRPC listen address")
		jsonrpcAddr     = fs.String("jsonrpc-addr", "127.0.0.1:8084", "JSON-RPC 2.0 over HTTP listen address")
		thriftAddr      = fs.String("thrift-addr", "127.0.0.1:8083", "Thrift listen address")
		thriftProtocol  = fs.String("thrift-protocol", "header", "Thrift protocol: header (also serves binary and compact clients), binary, compact or json")
		thriftFramed    = fs.Bool("thrift-framed", false, "frame Thrift messages of the binary, compact and json protocols (header is always framed)")
		shutdownTimeout = fs.Duration("shutdown-timeout", 10*time.Second, "how long in-flight requests may take to finish at shutdown, in all")
		readTimeout     = fs.Duration("http.read-timeout", 30*time.Second, "how long an HTTP request, body included, may take to arrive")
		writeTimeout    = fs.Duration("http.write-timeout", 60*time.Second, "how long an HTTP request may take from the end of its headers to the end of its response")
		idleTimeout     = fs.Duration("http.idle-timeout", 2*time.Minute, "how long a keep-alive connection (HTTP or gRPC) may stay idle")
		logLevel        = fs.String("log.level", "info", "lowest level logged: debug, info, warn or error")
		rateLimit       = fs.Float64("ratelimit", 0, "requests per second admitted by each endpoint (0: no limit)")
		rateBurst       = fs.Int("ratelimit.burst", 0, "requests an endpoint admits at once above -ratelimit (0: one second's worth)")
		maxInFlight     = fs.Int("maxinflight", 0, "calls in flight per endpoint, beyond which calls are refused (0: no limit)")
		adaptive        = fs.Bool("maxinflight.adaptive", false, "find each endpoint's concurrency limit from its latency (-maxinflight is then the ceiling, 0 meaning 1000)")
	)
	faults := registerFaultFlags(fs) // fault.go
	tlsFlags := registerTLSFlags(fs)
	authFlags := registerAuthFlags(fs)        // -auth.*: who may call (auth.go)
	tracing := addtracing.Flags(fs, "addsvc") // -zipkin-url, -otlp-endpoint, -trace-sample
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	injector, err := faults.injector()
	if err != nil {
		return err
	}
	allowed, err := level.Parse(*logLevel)
	if err != nil {
		return fmt.Errorf("-log.level: %w", err)
	}
	thriftProto, err := kitthrift.ParseProtocol(*thriftProtocol)
	if err != nil {
		return fmt.Errorf("-thrift-protocol: %w", err)
	}
	authorize, releaseAuth, err := authFlags.middleware(*tlsFlags.clientCA != "")
	if err != nil {
		return err
	}
	defer releaseAuth()

	// The logger: logfmt lines, one Write each, on a writer shared by every
	// goroutine; a UTC timestamp and the call site on each line; lines below
	// -log.level dropped.
	var logger log.Logger
	{
		logger = log.NewLogfmtLogger(log.NewSyncWriter(stderr))
		logger = level.NewFilter(logger, level.Allow(allowed))
		// With comes last, so that DefaultCaller counts its frames from
		// the call site.
		logger = log.With(logger, "ts", log.DefaultTimestampUTC, "caller", log.DefaultCaller)
	}

	// The metrics, on a registry of this program's own, served at the debug
	// listener's /metrics.
	reg := prometheus.NewRegistry()
	requests, err := kitprom.NewCounterFrom(reg, prometheus.CounterOpts{
		Namespace: "addsvc", Name: "requests_total",
		Help: "Calls to each endpoint, by method and success (false: a transport error or a refusal by a limiter).",
	}, []string{"method", "success"})
	if err != nil {
		return err
	}
	duration, err := kitprom.NewHistogramFrom(reg, prometheus.HistogramOpts{
		Namespace: "addsvc", Name: "request_duration_seconds",
		Help:    "Time taken by each endpoint, by method and success.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10), // 100µs to 26s
	}, []string{"method", "success"})
	if err != nil {
		return err
	}
	inFlight, err := kitprom.NewGaugeFrom(reg, prometheus.GaugeOpts{
		Namespace: "addsvc", Name: "in_flight",
		Help: "Calls in flight in each endpoint's concurrency limit (with -maxinflight or -maxinflight.adaptive).",
	}, []string{"method"})
	if err != nil {
		return err
	}
	concurrencyLimit, err := kitprom.NewGaugeFrom(reg, prometheus.GaugeOpts{
		Namespace: "addsvc", Name: "concurrency_limit",
		Help: "The concurrency limit each endpoint found (with -maxinflight.adaptive).",
	}, []string{"method"})
	if err != nil {
		return err
	}

	// The service, then its endpoints, each wrapped in its middlewares from
	// the inside out: logging (in New), the concurrency limit, the rate
	// limit, and instrumentation outermost, so that refused calls are
	// counted too. Every endpoint gets limiters of its own.
	service := addservice.New()
	endpoints := addendpoint.New(service, level.Info(logger))
	// Fault injection innermost, so that an injected fault looks to every
	// middleware and transport above it as the service's own (fault.go).
	endpoints = endpoints.Wrap(func(string) endpoint.Middleware { return faultMiddleware(injector) })
	switch {
	case *adaptive:
		endpoints = endpoints.Wrap(func(method string) endpoint.Middleware {
			return ratelimit.NewAdaptive(ratelimit.AdaptiveSettings{Max: *maxInFlight},
				ratelimit.AdaptiveInFlight(inFlight.With("method", method)),
				ratelimit.AdaptiveLimit(concurrencyLimit.With("method", method)),
			).Middleware
		})
	case *maxInFlight > 0:
		endpoints = endpoints.Wrap(func(method string) endpoint.Middleware {
			return ratelimit.NewBulkhead(*maxInFlight, ratelimit.BulkheadInFlight(inFlight.With("method", method))).Middleware
		})
	}
	// Authorisation (-auth.*) inside the rate limit, which so also bounds
	// how much token verification a flood of bad tokens costs, and outside
	// the concurrency limits and the service, which only callers allowed
	// reach. Refusals are the caller's errors: they trip no breaker.
	if authorize != nil {
		endpoints = endpoints.Wrap(func(string) endpoint.Middleware { return authorize })
	}
	if *rateLimit > 0 {
		burst := *rateBurst
		if burst <= 0 {
			burst = max(1, int(*rateLimit))
		}
		endpoints = endpoints.Wrap(func(string) endpoint.Middleware {
			return ratelimit.NewErroringLimiter(rate.NewLimiter(rate.Limit(*rateLimit), burst))
		})
	}
	endpoints = endpoints.Wrap(func(method string) endpoint.Middleware {
		return addendpoint.Instrumenting(requests, duration, method)
	})

	// Tracing (off without -zipkin-url or -otlp-endpoint): a span per
	// endpoint call, outermost so that refused calls show too, under the
	// server span of whichever transport the call came in by.
	tracers, err := tracing.Start(context.Background())
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tracers.Shutdown(ctx); err != nil {
			_ = level.Warn(logger).Log("msg", "flushing traces", "err", err)
		}
	}()
	endpoints = endpoints.Wrap(tracers.Endpoint)
	traced := addtransport.WithTracing(tracers.OTel(), tracers.ZipkinTracer())
	transportOpts := []addtransport.Option{traced}
	if authorize != nil {
		// The transports put each caller's token and client certificate
		// identity in the context, for authorize.
		transportOpts = append(transportOpts, addtransport.WithCallerIdentity())
	}

	// The transports, each logging its errors at level error, and the calls
	// refused by a limiter at level warn: a flood of refusals is the limiter
	// working, not the service failing.
	var (
		httpHandler    = addtransport.NewHTTPHandler(endpoints, logger, transportOpts...)
		jsonrpcHandler = addtransport.NewJSONRPCHandler(endpoints, logger, transportOpts...)
		grpcServer     = addtransport.NewGRPCServer(endpoints, logger, transportOpts...)
		thriftHandler  = addtransport.NewThriftServer(endpoints, logger, transportOpts...)
	)
	infoLogger := level.Info(logger)
	tlsConf, err := tlsFlags.settings(level.Error(logger))
	if err != nil {
		return err
	}

	// Bind every listener before serving any, so that a port in use fails
	// the start cleanly.
	listen := func(name, addr string) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("%s listener: %w", name, err)
		}
		_ = infoLogger.Log("transport", name, "addr", ln.Addr().String())
		return ln, nil
	}
	var listeners []net.Listener
	defer func() {
		for _, ln := range listeners {
			_ = ln.Close() // already closed by its server after a run
		}
	}()
	var lnErr error
	bind := func(name, addr string) net.Listener {
		if lnErr != nil {
			return nil
		}
		var ln net.Listener
		ln, lnErr = listen(name, addr)
		if ln != nil {
			listeners = append(listeners, ln)
		}
		return ln
	}
	debugLn, httpLn, jsonrpcLn, grpcLn := bind("debug", *debugAddr), bind("http", *httpAddr), bind("jsonrpc", *jsonrpcAddr), bind("grpc", *grpcAddr)
	thriftLn := bind("thrift", *thriftAddr)
	if lnErr != nil {
		return lnErr
	}
	httpLn, jsonrpcLn = tlsConf.listener(httpLn), tlsConf.listener(jsonrpcLn)

	// Each server runs as an actor of the group: when one stops, all are
	// interrupted, and Run returns when every actor has returned. The
	// interrupts share one drain (see shutdown.go): health turns NOT_SERVING,
	// then every listener stops accepting at once, and in-flight requests
	// have -shutdown-timeout in all to finish.
	var g run.Group
	d := newDrain(*shutdownTimeout)
	timeouts := httpTimeouts{read: *readTimeout, write: *writeTimeout, idle: *idleTimeout}
	{
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		mux.Handle("/debug/fault", faultHandler(injector)) // fault.go
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
		// pprof's profile and trace stream for as long as asked: no write
		// timeout on the debug listener.
		addHTTP(&g, d, debugLn, mux, httpTimeouts{read: *readTimeout, idle: *idleTimeout})
	}
	addHTTP(&g, d, httpLn, httpHandler, timeouts)
	addHTTP(&g, d, jsonrpcLn, jsonrpcHandler, timeouts)
	{
		healthSrv := health.NewServer()
		d.onBegin(healthSrv.Shutdown) // report NOT_SERVING to health checkers first
		srv := grpc.NewServer(append(grpcServerOptions(*idleTimeout, logger), tlsConf.grpcOptions()...)...)
		pb.RegisterAddServer(srv, grpcServer)
		healthpb.RegisterHealthServer(srv, healthSrv)
		reflection.Register(srv)
		addGRPC(&g, d, grpcLn, srv)
	}
	{
		// Thrift: kit's connection server; at shutdown, idle connections
		// close at once and calls in flight finish.
		srv := kitthrift.NewConnServer(addthrift.NewAddProcessor(thriftHandler), kitthrift.ConnSettings{
			Protocol:     thriftProto,
			Framed:       *thriftFramed,
			ErrorHandler: kitthrift.LogErrorHandler(logger),
		})
		g.Add(func() error {
			if err := srv.Serve(thriftLn); !errors.Is(err, kitthrift.ErrServerClosed) {
				return err
			}
			return nil
		}, func(error) {
			ctx, cancel := context.WithTimeout(context.Background(), *shutdownTimeout)
			defer cancel()
			_ = srv.Shutdown(ctx)
		})
	}
	{
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		g.Add(run.SignalHandler(ctx, os.Interrupt, syscall.SIGTERM))
	}

	_ = infoLogger.Log("msg", "serving")
	err = g.Run()
	if errors.Is(err, run.ErrSignal) {
		_ = infoLogger.Log("msg", "stopped", "reason", err.Error())
		return nil
	}
	return err
}
