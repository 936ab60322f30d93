// Command inventory is a small service written the way many Go services are
// written without kit: an http.ServeMux with method and path patterns,
// log/slog, prometheus/client_golang and a grpc-go server. It tells how
// many of an item are in stock.
//
//	GET  /items/{sku}   the item's stock (HTTP listener)
//	PUT  /items/{sku}   set it: {"count": n}
//	inventory.Inventory/GetItem   the same over gRPC
//	GET  /metrics       Prometheus exposition (debug listener)
//	PUT  /debug/store   {"down": true, "latency": "250ms"}: make the store fail or slow down
//
// examples/adopt's README shows it adopting kit one package at a time; each
// piece of kit in this file is marked with a comment "kit:".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"
	"google.golang.org/grpc"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/adopt/pb"
	kitprom "github.com/endpointkit/kit/metrics/prometheus"
	"github.com/endpointkit/kit/ratelimit"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	"github.com/endpointkit/kit/transport/http/handler"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "inventory:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done or a server fails, then shuts down.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("inventory", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		httpAddr  = fs.String("http-addr", "127.0.0.1:8080", "HTTP API listen address")
		grpcAddr  = fs.String("grpc-addr", "127.0.0.1:8081", "gRPC listen address")
		debugAddr = fs.String("debug-addr", "127.0.0.1:8082", "debug listen address: /metrics and /debug/store")
		drain     = fs.Duration("shutdown-timeout", 10*time.Second, "how long in-flight requests may take to finish at shutdown")

		rps         = fs.Float64("limit.rate", 0, "API requests per second (0: no rate limit)")
		burst       = fs.Int("limit.burst", 100, "API requests allowed at once above -limit.rate")
		maxInFlight = fs.Int("limit.in-flight", 256, "API requests handled at once; more are refused with 429")
		openFor     = fs.Duration("breaker.open-for", 5*time.Second, "how long the breaker stays open before it probes the store again")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *rps < 0:
		return fmt.Errorf("-limit.rate %v: want 0 (no rate limit) or more", *rps)
	case *burst < 1:
		return fmt.Errorf("-limit.burst %d: want 1 or more", *burst)
	case *maxInFlight < 1:
		return fmt.Errorf("-limit.in-flight %d: want 1 or more", *maxInFlight)
	case *openFor <= 0:
		return fmt.Errorf("-breaker.open-for %v: want more than 0", *openFor)
	case *drain < 0:
		return fmt.Errorf("-shutdown-timeout %v: want 0 or more", *drain)
	}

	logger := slog.New(slog.NewTextHandler(stderr, nil))

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	updates := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "inventory_stock_updates_total",
		Help: "Stock counts set through PUT /items/{sku}.",
	})
	reg.MustRegister(updates)

	// kit: the breaker's state and the API requests in flight as gauges in
	// the service's own Prometheus registry, through metrics/prometheus.
	breakerState, err := kitprom.NewGaugeFrom(reg, prometheus.GaugeOpts{
		Name: "inventory_breaker_state",
		Help: "State of the API's circuit breaker: 0 closed, 1 half-open, 2 open.",
	}, nil)
	if err != nil {
		return err
	}
	apiInFlight, err := kitprom.NewGaugeFrom(reg, prometheus.GaugeOpts{
		Name: "inventory_api_in_flight",
		Help: "API requests being handled.",
	}, nil)
	if err != nil {
		return err
	}

	store := newStore(map[string]int64{"apple": 12, "pear": 3, "plum": 0})

	// kit: a rate limit, a concurrency limit and a circuit breaker, one
	// endpoint.Middleware guarding the store, around the API's handlers
	// through transport/http/handler.Middleware. Their refusals are 429s
	// that never reach the handlers; 5xx answers open the breaker, 4xx
	// answers (the caller's mistakes) never do.
	limit := rate.Inf
	if *rps > 0 {
		limit = rate.Limit(*rps)
	}
	breaker := circuitbreaker.NewBreaker(circuitbreaker.Settings{OpenFor: *openFor},
		circuitbreaker.BreakerStateGauge(breakerState))
	inFlight := ratelimit.NewBulkhead(*maxInFlight, ratelimit.BulkheadInFlight(apiInFlight))
	guard := endpoint.Chain(
		ratelimit.NewErroringLimiter(rate.NewLimiter(limit, *burst)),
		inFlight.Middleware,
		breaker.Middleware,
	)
	resilient := handler.Middleware(guard)

	api := http.NewServeMux()
	api.Handle("GET /items/{sku}", resilient(getItem(store)))
	api.Handle("PUT /items/{sku}", resilient(putItem(store, updates)))

	// kit: the same guard (one breaker watches the store for both
	// transports), request metrics under go-grpc-prometheus' names
	// (grpc_server_handled_total, grpc_server_handling_seconds) and an
	// access log on the gRPC service, through transport/grpc's interceptor.
	// Refusals are ResourceExhausted; Unavailable answers open the breaker,
	// NotFound and InvalidArgument never do.
	grpcMetrics, err := kitprom.NewGRPCServerMetrics(reg, nil)
	if err != nil {
		return err
	}
	grpcServer := grpc.NewServer(grpc.ChainUnaryInterceptor(kitgrpc.UnaryServerInterceptor(endpoint.Chain(
		kitgrpc.ServerAccessLog(logger),
		kitgrpc.ServerMetrics(grpcMetrics),
		guard,
	))))
	pb.RegisterInventoryServer(grpcServer, inventoryServer{store: store})

	debug := http.NewServeMux()
	debug.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	debug.Handle("PUT /debug/store", configureStore(store))

	// kit: request metrics under promhttp's names (http_requests_total,
	// http_request_duration_seconds by method, route pattern and code) and
	// an access log through the service's own *slog.Logger, around the
	// whole API: unmatched paths are counted too, as the route "unmatched".
	httpMetrics, err := kitprom.NewHTTPServerMetrics(reg, nil)
	if err != nil {
		return err
	}
	apiHandler := handler.AccessLog(logger)(handler.Metrics(httpMetrics)(api))

	apiServer := &http.Server{Handler: apiHandler, ReadHeaderTimeout: 5 * time.Second}
	debugServer := &http.Server{Handler: debug, ReadHeaderTimeout: 5 * time.Second}
	return serve(ctx, logger, *drain, []server{
		{"http", *httpAddr, apiServer.Serve, apiServer.Shutdown},
		{"grpc", *grpcAddr, grpcServer.Serve, func(ctx context.Context) error { return stopGRPC(ctx, grpcServer) }},
		{"debug", *debugAddr, debugServer.Serve, debugServer.Shutdown},
	})
}

// server is one listener of the service and how to stop it gracefully.
type server struct {
	name  string
	addr  string
	serve func(net.Listener) error
	stop  func(context.Context) error // stop accepting, let in-flight requests finish before ctx ends
}

// serve listens on every server's address, logs them, and serves until ctx
// is done or a server fails; then it stops accepting on all of them at
// once and lets in-flight requests finish within drain.
func serve(ctx context.Context, logger *slog.Logger, drain time.Duration, servers []server) error {
	lns := make([]net.Listener, 0, len(servers))
	addrs := make([]any, 0, 2*len(servers))
	for _, s := range servers {
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			for _, ln := range lns {
				ln.Close()
			}
			return fmt.Errorf("%s listener: %w", s.name, err)
		}
		lns = append(lns, ln)
		addrs = append(addrs, s.name, ln.Addr().String())
	}
	logger.Info("serving", addrs...)

	errc := make(chan error, len(servers))
	for i, s := range servers {
		go func() { errc <- s.serve(lns[i]) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	logger.Info("shutting down", "err", err)

	shutdownCtx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	done := make(chan struct{}, len(servers))
	for _, s := range servers {
		go func() { _ = s.stop(shutdownCtx); done <- struct{}{} }()
	}
	for range servers {
		<-done
	}
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, grpc.ErrServerStopped) {
		err = nil
	}
	return err
}

// stopGRPC stops s gracefully, or at once when ctx ends first.
func stopGRPC(ctx context.Context, s *grpc.Server) error {
	stopped := make(chan struct{})
	go func() { s.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
		return nil
	case <-ctx.Done():
		s.Stop()
		<-stopped
		return ctx.Err()
	}
}
