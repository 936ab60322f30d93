// Package addclient builds the client side of the Add service over
// discovery: the stack of kit that addcli runs, importable so that tests
// can drive it against real servers and registries. For each method:
//
//	client-side rate limit (RateLimit)
//	→ retry with a budget (Retry*), each attempt on another instance
//	→ hedging (Hedge*): a backup attempt on another instance when the
//	  first is slow, within a budget of its own (off by default)
//	→ balancer (Balancer: p2c, leastinflight, roundrobin or random)
//	→ endpointer following the Instancer, one endpoint per instance
//	→ circuit breaker per instance (unless NoBreaker)
//	→ transport client
//
// With Settings.TracerProvider or Zipkin, a span covers each call, above
// the rate limit, an "attempt" span each attempt of the retry, and under it
// the transport client's span.
//
// The returned Set is safe for concurrent use.
package addclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/openzipkin/zipkin-go"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/time/rate"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addtransport"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/ratelimit"
	kitotel "github.com/endpointkit/kit/tracing/otel"
	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
)

// Settings configures the client stack. The zero value is ready to use:
// HTTP, p2c, 3 attempts, a breaker per instance, no rate limit.
type Settings struct {
	// Transport is http, jsonrpc, grpc or thrift (THeader). Empty means
	// http.
	Transport string
	// ThriftProtocol and ThriftFramed say how the thrift transport speaks
	// (see kitthrift.ConnSettings). The zero values mean THeader.
	ThriftProtocol kitthrift.Protocol
	ThriftFramed   bool
	// Balancer is p2c (power of two choices over peak-EWMA latency),
	// leastinflight, roundrobin or random. Empty means p2c.
	Balancer string
	// RetryMax is the attempts per call in all, the first included. Zero
	// means 3; 1 means no retry.
	RetryMax int
	// RetryAttemptTimeout is the deadline of each attempt. Zero means only
	// the call's context's.
	RetryAttemptTimeout time.Duration
	// RetryBudget is the retries allowed per call, over a 10s window, plus
	// a floor of 10 per second. Zero means 0.2.
	RetryBudget float64
	// Hedge sends a backup attempt of a call to another instance when the
	// first has not answered after HedgeDelay, or the HedgePercentile of
	// recent latency (loadbalancer.Hedged). Both methods are pure
	// functions, so every call is marked idempotent. Each attempt of the
	// retry is then a hedged call: retries and backups have budgets of
	// their own, RetryBudget and HedgeMaxExtra, and the extra load is
	// bounded by their sum. False means no backups.
	Hedge bool
	// HedgeDelay is the fixed delay before a backup. Zero means
	// HedgePercentile of recent latency.
	HedgeDelay time.Duration
	// HedgePercentile is the quantile of recent latency after which a
	// backup is sent, when HedgeDelay is zero. Zero means 0.98.
	HedgePercentile float64
	// HedgeMaxExtra is the most extra attempts backups may add, as a share
	// of calls. Zero means 0.05.
	HedgeMaxExtra float64
	// OnAttempt, when set, is called each time an attempt is sent to an
	// instance (by a retry, a backup, or the call itself), on the
	// attempt's goroutine, with the method and the instance. An attempt
	// that an open breaker refuses is not sent and not seen. Load
	// generators count attempts with it (attempts per call is the
	// amplification of retries and backups).
	OnAttempt func(method, instance string)
	// OnBackup, when set, is called each time hedging sends a backup
	// attempt, with the method and the backup's instance (see
	// loadbalancer.HedgeSettings.OnBackup). Backups are attempts too:
	// OnAttempt sees them as well.
	OnBackup func(method, instance string)
	// NoBreaker turns off the circuit breaker that otherwise guards each
	// instance (it opens at 50% failures of at least BreakerMinRequests
	// calls in 10s).
	NoBreaker bool
	// BreakerMinRequests is the calls the breaker's window must hold before
	// it may open. Zero means 20.
	BreakerMinRequests int
	// BreakerOpenFor is how long an open breaker refuses calls before
	// probing. Zero means 5s.
	BreakerOpenFor time.Duration
	// RateLimit is the calls per second this client may make, beyond which
	// calls fail at once. Zero means no limit.
	RateLimit float64
	// RateBurst is the calls this client may make at once above RateLimit.
	// Zero means 1.
	RateBurst int
	// TLS, when not nil, makes the http, jsonrpc and grpc transports speak
	// TLS with this configuration (an instance given as host:port is
	// called https://host:port); with a certificate in it (Certificates or
	// GetClientCertificate), mutual TLS. Nil means plaintext. Thrift
	// ignores it.
	TLS *tls.Config
	// Token, when not empty, is sent as a Bearer token on every call
	// (addtransport.WithBearerToken): the Authorization header over HTTP
	// and JSON-RPC, "authorization" metadata over gRPC, the THeader header
	// "authorization" over Thrift. A token is a secret: it is never logged.
	Token string
	// TracerProvider and Zipkin, when not nil, trace each call: a span for
	// the call as a whole ("addcli.sum"), under it a span per attempt
	// ("attempt", tagged with its number and instance), and under that the
	// transport's client span, whose context travels to the server.
	TracerProvider trace.TracerProvider
	Zipkin         *zipkin.Tracer
}

// New returns the Add service's endpoints over the instances that
// instancer finds, and the io.Closer that closes every endpointer and
// connection New made (the instancer stays the caller's, to stop after).
func New(instancer loadbalancer.Instancer, s Settings, logger log.Logger) (addendpoint.Set, io.Closer, error) {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	if s.Transport == "" {
		s.Transport = "http"
	}
	if s.Balancer == "" {
		s.Balancer = "p2c"
	}
	if s.RetryMax <= 0 {
		s.RetryMax = 3
	}
	// What every method's stack shares: one retry budget and one rate limit
	// for this client, and the breaker settings.
	budget := loadbalancer.NewBudget(loadbalancer.BudgetSettings{Ratio: s.RetryBudget})
	var limiter *rate.Limiter
	if s.RateLimit > 0 {
		limiter = rate.NewLimiter(rate.Limit(s.RateLimit), max(1, s.RateBurst))
	}
	breakerSettings := circuitbreaker.Settings{MinRequests: s.BreakerMinRequests, OpenFor: s.BreakerOpenFor}

	// One stack per method, built from the transport up. Over gRPC, the
	// methods share one connection per instance.
	conns := newGRPCConns(s.TLS)
	var closers closeAll
	build := func(method string) (endpoint.Endpoint, error) {
		factory, err := newFactory(s, method, conns)
		if err != nil {
			return nil, err
		}
		if s.OnAttempt != nil {
			inner, hook := factory, s.OnAttempt
			factory = func(instance string) (endpoint.Endpoint, io.Closer, error) {
				e, closer, err := inner(instance)
				if err != nil {
					return nil, nil, err
				}
				return func(ctx context.Context, req any) (any, error) {
					hook(method, instance)
					return e(ctx, req)
				}, closer, nil
			}
		}
		if !s.NoBreaker {
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
		balancer, err := newBalancer(s.Balancer, endpointer)
		if err != nil {
			return nil, err
		}
		if s.Hedge {
			// Each attempt of the retry is a hedged call, which picks
			// its own instances from the balancer (a backup never on
			// the first's). The retry sees the hedged call as one
			// attempt on an unnamed instance.
			hedged := loadbalancer.Hedged(balancer, loadbalancer.HedgeSettings{
				Delay:      s.HedgeDelay,
				Percentile: s.HedgePercentile,
				MaxExtra:   s.HedgeMaxExtra,
				Classifier: endpoint.Classify,
				OnBackup:   onBackup(s.OnBackup, method),
			})
			balancer = loadbalancer.BalancerFunc(func() (endpoint.Endpoint, error) { return hedged, nil })
		}
		e := loadbalancer.RetryWith(balancer, loadbalancer.RetrySettings{
			MaxAttempts:    s.RetryMax,
			AttemptTimeout: s.RetryAttemptTimeout,
			Budget:         budget,
			// kit's one failure model decides what is retried, as it
			// decides what the breakers and ejection count: a bad request
			// (400, InvalidArgument, JSON-RPC invalid params) is not, a
			// refusal by a server's limiter (429, ResourceExhausted) is,
			// as another instance may have room and the budget bounds
			// the extra load. endpoint.Classify is the default; it is
			// named here to show where to put another policy.
			Classifier: endpoint.Classify,
			// With tracing, each attempt is a span, tagged with its
			// number and instance, holding the transport's client span.
			Attempt: attemptSpans(s),
		})
		if s.Hedge {
			e = markIdempotent(e)
		}
		if limiter != nil {
			e = ratelimit.NewErroringLimiter(limiter)(e)
		}
		e = kitotel.TraceEndpoint(s.TracerProvider, "addcli."+method)(e)
		e = kitzipkin.TraceEndpoint(s.Zipkin, "addcli."+method)(e)
		return e, nil
	}
	var set addendpoint.Set
	var err error
	if set.SumEndpoint, err = build("sum"); err == nil {
		set.ConcatEndpoint, err = build("concat")
	}
	if err != nil {
		_ = closers.Close()
		return addendpoint.Set{}, nil, err
	}
	return set, closers, nil
}

// onBackup adapts hook to HedgeSettings.OnBackup for method; nil stays
// nil.
func onBackup(hook func(method, instance string), method string) func(context.Context, string) {
	if hook == nil {
		return nil
	}
	return func(_ context.Context, instance string) { hook(method, instance) }
}

// markIdempotent marks every call of next as idempotent, so that a
// Hedged endpoint under it may send a backup: Sum and Concat are pure
// functions, and calling one twice does no harm.
func markIdempotent(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return next(loadbalancer.WithIdempotent(ctx), req)
	}
}

// attemptSpans is the RetrySettings.Attempt hook giving each attempt a
// span with every tracer s has, or nil without tracers.
func attemptSpans(s Settings) func(int, string, endpoint.Endpoint) endpoint.Endpoint {
	o, z := kitotel.RetryAttempts(s.TracerProvider), kitzipkin.RetryAttempts(s.Zipkin)
	switch {
	case o == nil:
		return z
	case z == nil:
		return o
	}
	return func(n int, instance string, next endpoint.Endpoint) endpoint.Endpoint {
		return o(n, instance, z(n, instance, next))
	}
}

// closeAll closes each of its Closers, returning their errors joined.
type closeAll []io.Closer

func (cs closeAll) Close() error {
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// newFactory returns the Factory that builds method's endpoint for one
// instance over transport. Over gRPC, it takes the instance's connection
// from conns, which the methods' Factories share.
func newFactory(s Settings, method string, conns *grpcConns) (loadbalancer.Factory, error) {
	transport := s.Transport
	traced := addtransport.WithTracing(s.TracerProvider, s.Zipkin)
	token := addtransport.WithBearerToken(s.Token)
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
			tr := http.DefaultTransport.(*http.Transport).Clone()
			if s.TLS != nil {
				tr.TLSClientConfig = s.TLS.Clone()
				if !strings.Contains(instance, "://") {
					instance = "https://" + instance
				}
			}
			client := &http.Client{Transport: tr}
			set, err := newClient(instance, client, traced, token)
			if err != nil {
				return nil, nil, err
			}
			return pick(set), closerFunc(func() error { client.CloseIdleConnections(); return nil }), nil
		}, nil
	case "thrift":
		// One pool of connections per instance and method.
		return func(instance string) (endpoint.Endpoint, io.Closer, error) {
			options := []kitthrift.ClientOption{kitthrift.ClientProtocol(s.ThriftProtocol)}
			if s.ThriftFramed {
				options = append(options, kitthrift.ClientFramed())
			}
			set, closer := addtransport.NewThriftClientWith(instance, []addtransport.Option{traced, token}, options...)
			return pick(set), closer, nil
		}, nil
	case "grpc":
		return func(instance string) (endpoint.Endpoint, io.Closer, error) {
			conn, release, err := conns.acquire(instance)
			if err != nil {
				return nil, nil, err
			}
			return pick(addtransport.NewGRPCClient(conn, traced, token)), release, nil
		}, nil
	}
	return nil, fmt.Errorf("unknown transport %q", transport)
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
