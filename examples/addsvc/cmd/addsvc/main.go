// Command addsvc serves the Add service over HTTP/JSON, JSON-RPC 2.0 and gRPC
// at once, plus a debug listener with pprof, until SIGINT or SIGTERM; then it
// stops accepting requests, lets those in flight finish, and exits 0.
//
// Every listener binds to loopback by default; pass -http-addr :8081 and so
// on to serve other hosts. An address with port 0 picks a free port; the
// address actually bound is logged as "transport=... addr=...".
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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/oklog/run"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/endpointkit/kit/examples/addsvc/pb"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/log"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
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
		shutdownTimeout = fs.Duration("shutdown-timeout", 10*time.Second, "how long in-flight requests may take to finish at shutdown")
	)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}

	logger := newLogger(stderr)

	// The service, its endpoints, and its transports, built inside out.
	var (
		service        = addservice.New()
		endpoints      = addendpoint.New(service, logger)
		httpHandler    = addtransport.NewHTTPHandler(endpoints, logger)
		jsonrpcHandler = addtransport.NewJSONRPCHandler(endpoints, logger)
		grpcServer     = addtransport.NewGRPCServer(endpoints, logger)
	)

	// Bind every listener before serving any, so that a port in use fails
	// the start cleanly.
	listen := func(name, addr string) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("%s listener: %w", name, err)
		}
		_ = logger.Log("transport", name, "addr", ln.Addr().String())
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
	if lnErr != nil {
		return lnErr
	}

	// Each server runs as an actor of the group: when one stops, all are
	// interrupted, and Run returns when every actor has returned.
	var g run.Group
	{
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
		addHTTP(&g, debugLn, mux, *shutdownTimeout)
	}
	addHTTP(&g, httpLn, httpHandler, *shutdownTimeout)
	addHTTP(&g, jsonrpcLn, jsonrpcHandler, *shutdownTimeout)
	{
		healthSrv := health.NewServer()
		srv := grpc.NewServer(grpc.ChainUnaryInterceptor(kitgrpc.Interceptor))
		pb.RegisterAddServer(srv, grpcServer)
		healthpb.RegisterHealthServer(srv, healthSrv)
		reflection.Register(srv)
		g.Add(func() error {
			return srv.Serve(grpcLn)
		}, func(error) {
			healthSrv.Shutdown() // report NOT_SERVING to health checkers first
			stopped := make(chan struct{})
			go func() { srv.GracefulStop(); close(stopped) }()
			select {
			case <-stopped:
			case <-time.After(*shutdownTimeout):
				srv.Stop() // in-flight calls took too long
				<-stopped
			}
		})
	}
	{
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		g.Add(run.SignalHandler(ctx, os.Interrupt, syscall.SIGTERM))
	}

	_ = logger.Log("msg", "serving")
	err := g.Run()
	if errors.Is(err, run.ErrSignal) {
		_ = logger.Log("msg", "stopped", "reason", err.Error())
		return nil
	}
	return err
}

// addHTTP adds an HTTP server on ln to g. Its interrupt shuts the server
// down: new connections are refused and in-flight requests finish, for at
// most timeout.
func addHTTP(g *run.Group, ln net.Listener, h http.Handler, timeout time.Duration) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	g.Add(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}, func(error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
}

// newLogger returns a Logger writing each event as one line of key=value
// pairs to w, with a timestamp first. It stands in for kit's logfmt logger
// so that this example depends only on the Logger interface.
func newLogger(w io.Writer) log.Logger {
	var mu sync.Mutex // guards w
	return log.LoggerFunc(func(keyvals ...any) error {
		line := []byte("ts=" + time.Now().UTC().Format(time.RFC3339Nano))
		for i := 0; i < len(keyvals); i += 2 {
			var v any = "(missing)"
			if i+1 < len(keyvals) {
				v = keyvals[i+1]
			}
			s := fmt.Sprint(v)
			if s == "" || strings.ContainsAny(s, " \"=\n") {
				s = strconv.Quote(s)
			}
			line = fmt.Appendf(line, " %v=%s", keyvals[i], s)
		}
		line = append(line, '\n')
		mu.Lock()
		defer mu.Unlock()
		_, err := w.Write(line)
		return err
	})
}
