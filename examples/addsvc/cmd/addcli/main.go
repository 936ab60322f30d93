// Command addcli calls the Add service over the transport named by -transport
// (http, jsonrpc or grpc):
//
//	addcli -transport grpc -method sum 1 2        # prints 3
//	addcli -transport http -method concat ab cd   # prints abcd
//
// It calls one instance (-addr, by default addsvc's default address for the
// transport), a fixed list of them (-instances a:1,b:2), the instances a DNS
// SRV name resolves to (-dnssrv), or those registered in etcd under a prefix
// (-etcd.endpoints, -etcd.prefix). Each call goes through the client stack
// of kit, built in plain view in main:
//
//	client-side rate limit (-ratelimit)
//	→ retry with a budget (-retry.*), each attempt on another instance
//	→ balancer (-balancer: p2c, leastinflight, roundrobin or random)
//	→ endpointer following discovery, one endpoint per instance
//	→ circuit breaker per instance (-breaker)
//	→ transport client
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
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/loadbalancer/dnssrv"
	kitetcd "github.com/endpointkit/kit/loadbalancer/etcd"
	"github.com/endpointkit/kit/loadbalancer/static"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
	"github.com/endpointkit/kit/ratelimit"
	kithttp "github.com/endpointkit/kit/transport/http"
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
		transport     = fs.String("transport", "http", "transport to use: http, jsonrpc or grpc")
		addr          = fs.String("addr", "", "address of the one server to call (default: the addsvc default for the transport)")
		instances     = fs.String("instances", "", "comma-separated addresses of the servers to balance over, instead of -addr")
		srvName       = fs.String("dnssrv", "", "DNS SRV name whose targets are the servers, e.g. _http._tcp.addsvc.example.com")
		srvInterval   = fs.Duration("dnssrv.interval", 5*time.Second, "how often to look up -dnssrv again")
		srvServer     = fs.String("dnssrv.server", "", "host:port of the DNS server for -dnssrv (default: the system's resolver)")
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
	)
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

	// Discovery: where the instances come from.
	var instancer loadbalancer.Instancer
	switch {
	case *etcdEndpoints != "":
		client, err := clientv3.New(clientv3.Config{
			Endpoints:   strings.Split(*etcdEndpoints, ","),
			DialTimeout: 3 * time.Second,
		})
		if err != nil {
			return fail(err)
		}
		defer client.Close()
		instancer = kitetcd.NewInstancer(client, *etcdPrefix, logger)
	case *srvName != "":
		var options []dnssrv.InstancerOption
		if *srvServer != "" {
			options = append(options, dnssrv.InstancerResolver(resolverAt(*srvServer)))
		}
		instancer = dnssrv.NewInstancer(*srvName, *srvInterval, logger, options...)
	default:
		list := *instances
		if list == "" {
			list = *addr
		}
		if list == "" {
			defaults := map[string]string{"http": "127.0.0.1:8081", "grpc": "127.0.0.1:8082", "jsonrpc": "127.0.0.1:8084"}
			list = defaults[*transport]
		}
		instancer = static.NewInstancer(strings.Split(list, ","))
	}
	defer instancer.Stop() // after the endpointers are closed (defers run last in, first out)

	// What every method's stack shares: one retry budget and one rate limit
	// for this client, and the breaker settings.
	budget := loadbalancer.NewBudget(loadbalancer.BudgetSettings{Ratio: *retryBudget})
	var limiter *rate.Limiter
	if *rateLimit > 0 {
		limiter = rate.NewLimiter(rate.Limit(*rateLimit), max(1, *rateBurst))
	}
	breakerSettings := circuitbreaker.Settings{MinRequests: *breakerMin, OpenFor: *breakerOpen}

	// One stack per method, built from the transport up. Its endpointer is
	// closed (and with it every instance's connection) when call returns.
	// Over gRPC, the methods share one connection per instance.
	conns := newGRPCConns()
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			_ = c.Close()
		}
	}()
	build := func(method string) (endpoint.Endpoint, error) {
		factory, err := newFactory(*transport, method, conns)
		if err != nil {
			return nil, err
		}
		if *breakerOn {
			inner := factory
			factory = func(instance string) (endpoint.Endpoint, io.Closer, error) {
				e, closer, err := inner(instance)
				if err != nil {
					return nil, nil, err
				}
				return circuitbreaker.NewBreaker(breakerSettings).Middleware(e), closer, nil
			}
		}
		endpointer := loadbalancer.NewEndpointer(instancer, factory, logger)
		closers = append(closers, endpointer)
		balancer, err := newBalancer(*balancerName, endpointer)
		if err != nil {
			return nil, err
		}
		e := loadbalancer.RetryWith(balancer, loadbalancer.RetrySettings{
			MaxAttempts:    max(1, *retryMax),
			AttemptTimeout: *retryAttempt,
			Budget:         budget,
			Retryable:      retryable,
		})
		if limiter != nil {
			e = ratelimit.NewErroringLimiter(limiter)(e)
		}
		return e, nil
	}
	var svc addendpoint.Set
	if svc.SumEndpoint, err = build("sum"); err != nil {
		return fail(err)
	}
	if svc.ConcatEndpoint, err = build("concat"); err != nil {
		return fail(err)
	}

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

// newFactory returns the Factory that builds method's endpoint for one
// instance over transport. Over gRPC, it takes the instance's connection
// from conns, which the methods' Factories share.
func newFactory(transport, method string, conns *grpcConns) (loadbalancer.Factory, error) {
	pick := func(set addendpoint.Set) endpoint.Endpoint {
		if method == "concat" {
			return set.ConcatEndpoint
		}
		return set.SumEndpoint
	}
	switch transport {
	case "http", "jsonrpc":
		newClient := addtransport.NewHTTPClient
		if transport == "jsonrpc" {
			newClient = addtransport.NewJSONRPCClient
		}
		// One http.Client per instance, so that closing it drops that
		// instance's idle connections.
		return func(instance string) (endpoint.Endpoint, io.Closer, error) {
			client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
			set, err := newClient(instance, client)
			if err != nil {
				return nil, nil, err
			}
			return pick(set), closerFunc(func() error { client.CloseIdleConnections(); return nil }), nil
		}, nil
	case "grpc":
		return func(instance string) (endpoint.Endpoint, io.Closer, error) {
			conn, release, err := conns.acquire(instance)
			if err != nil {
				return nil, nil, err
			}
			return pick(addtransport.NewGRPCClient(conn)), release, nil
		}, nil
	}
	return nil, fmt.Errorf("unknown transport %q", transport)
}

// grpcConns shares one gRPC connection per instance between the Factories
// of every method, counting its users: acquire takes a reference, the
// io.Closer it returns gives it back, and the last reference given back
// closes the connection. So a connection is closed exactly once, when no
// method's endpointer holds the instance any more (it left discovery, or the
// program ends). It is safe for concurrent use.
type grpcConns struct {
	mu    sync.Mutex
	conns map[string]*sharedConn
}

// sharedConn is one instance's connection and its count of users.
type sharedConn struct {
	conn *grpc.ClientConn
	refs int
}

func newGRPCConns() *grpcConns {
	return &grpcConns{conns: make(map[string]*sharedConn)}
}

// acquire returns the connection to instance, opening it if no one holds
// it, and the io.Closer that gives this reference back. Closing that Closer
// more than once gives the reference back once.
func (p *grpcConns) acquire(instance string) (*grpc.ClientConn, io.Closer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sc := p.conns[instance]
	if sc == nil {
		// grpc.NewClient does not dial: it is cheap under the lock.
		conn, err := grpc.NewClient(instance, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, nil, err
		}
		sc = &sharedConn{conn: conn}
		p.conns[instance] = sc
	}
	sc.refs++
	var once sync.Once
	return sc.conn, closerFunc(func() error {
		var err error
		once.Do(func() { err = p.release(instance, sc) })
		return err
	}), nil
}

// release gives back one reference to sc, closing its connection with the
// last one.
func (p *grpcConns) release(instance string, sc *sharedConn) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	sc.refs--
	if sc.refs > 0 {
		return nil
	}
	if p.conns[instance] == sc {
		delete(p.conns, instance)
	}
	return sc.conn.Close()
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// newBalancer returns the balancer called name over endpointer.
func newBalancer(name string, endpointer loadbalancer.Endpointer) (loadbalancer.Balancer, error) {
	switch name {
	case "p2c":
		return loadbalancer.NewP2C(endpointer, loadbalancer.P2CSettings{}), nil
	case "leastinflight":
		return loadbalancer.NewLeastInFlight(endpointer), nil
	case "roundrobin":
		return loadbalancer.NewRoundRobin(endpointer), nil
	case "random":
		return loadbalancer.NewRandom(endpointer), nil
	}
	return nil, fmt.Errorf("unknown balancer %q", name)
}

// retryable reports whether an attempt that failed with err is worth
// another attempt on another instance: not when the server said the
// request itself is bad, which another instance would say too. A refusal
// by a server's limiter (429, ResourceExhausted) is retryable: another
// instance may have room, and the retry budget bounds the extra load.
func retryable(err error) bool {
	var re *kithttp.ResponseError
	if errors.As(err, &re) {
		return re.Code == http.StatusTooManyRequests || re.Code == http.StatusRequestTimeout || re.Code >= 500
	}
	switch status.Code(err) {
	case codes.InvalidArgument, codes.Unimplemented, codes.PermissionDenied, codes.Unauthenticated:
		return false
	}
	return true
}

// resolverAt returns a resolver that sends every DNS query to server.
func resolverAt(server string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		},
	}
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
