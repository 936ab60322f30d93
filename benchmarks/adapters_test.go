package benchmarks

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pb"
	kitprom "github.com/endpointkit/kit/metrics/prometheus"
	"github.com/endpointkit/kit/ratelimit"
	kitgrpc "github.com/endpointkit/kit/transport/grpc"
	"github.com/endpointkit/kit/transport/http/handler"
)

// Adapters for services not written around Endpoints: kit middleware run
// through transport/http/handler and transport/grpc's server interceptors,
// against the same logic written by hand as net/http middleware or a
// grpc-go interceptor, and against the libraries such services would
// otherwise pick: promhttp's InstrumentHandlerCounter and
// InstrumentHandlerDuration, and go-grpc-middleware v2's prometheus
// provider and logging interceptor.
//
// HTTP workloads serve GET /items/7 through an http.ServeMux with the
// pattern "GET /items/{id}" into a writer that keeps nothing; gRPC
// workloads call the interceptor as grpc-go does, without the network.

// statusRecorder is the status recorder a user writes by hand.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

var itemBody = []byte("item 7")

var itemHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(itemBody)
})

const itemRoute = "GET /items/{id}"

// handlerContestant builds the handler of one contestant for a route.
type handlerContestant struct {
	impl string
	wrap func(tb testing.TB) func(http.Handler) http.Handler
}

// handBreakerLimit is a breaker and a limiter written by hand as net/http
// middleware, with kit's classification.
func handBreakerLimit(b *circuitbreaker.Breaker, l *rate.Limiter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !l.Allow() {
				http.Error(w, "limit exceeded", http.StatusTooManyRequests)
				return
			}
			t, err := b.AllowAt(time.Now())
			if err != nil {
				http.Error(w, "breaker open", http.StatusTooManyRequests)
				return
			}
			sw := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			b.DoneAt(t, time.Now(), endpoint.OutcomeOfStatus(sw.status))
		})
	}
}

// handBreakerLimitFaithful is handBreakerLimit with the rest of what
// kit's handler.Middleware does on every request: a panic in the handler is
// recovered, recorded by the breaker as a 500 (so a half-open breaker's
// probe is returned) and raised again for net/http; a handler that gave up
// at its context's deadline without writing anything is answered 504 and
// classified by endpoint.Classify (the caller's deadline or this hop's own
// timeout), not counted as an empty 200.
func handBreakerLimitFaithful(b *circuitbreaker.Breaker, l *rate.Limiter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !l.Allow() {
				http.Error(w, "limit exceeded", http.StatusTooManyRequests)
				return
			}
			t, err := b.AllowAt(time.Now())
			if err != nil {
				http.Error(w, "breaker open", http.StatusTooManyRequests)
				return
			}
			sw := &statusRecorder{ResponseWriter: w}
			defer func() {
				if v := recover(); v != nil {
					b.DoneAt(t, time.Now(), endpoint.OutcomeOfStatus(http.StatusInternalServerError))
					panic(v)
				}
			}()
			next.ServeHTTP(sw, r)
			o := endpoint.Outcome{Kind: endpoint.Success}
			switch {
			case sw.status == 0 && r.Context().Err() == context.DeadlineExceeded:
				http.Error(w, "deadline exceeded", http.StatusGatewayTimeout)
				o = endpoint.Classify(r.Context(), nil, context.DeadlineExceeded)
			case sw.status >= 400:
				o = endpoint.OutcomeOfStatus(sw.status)
			}
			b.DoneAt(t, time.Now(), o)
		})
	}
}

// handMetrics is request metrics written by hand over client_golang, with
// the same names and labels as kit's.
func handMetrics(reg prometheus.Registerer) func(http.Handler) http.Handler {
	labels := []string{"method", "route", "code"}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total", Help: "h"}, labels)
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "http_request_duration_seconds", Help: "h"}, labels)
	reg.MustRegister(requests, duration)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			code := strconv.Itoa(sw.status)
			method := strings.ToLower(r.Method)
			requests.WithLabelValues(method, r.Pattern, code).Inc()
			duration.WithLabelValues(method, r.Pattern, code).Observe(time.Since(start).Seconds())
		})
	}
}

// promhttpMetrics is promhttp's InstrumentHandlerCounter and
// InstrumentHandlerDuration, the route label curried per route as
// promhttp's documentation shows.
func promhttpMetrics(reg prometheus.Registerer) func(http.Handler) http.Handler {
	labels := []string{"method", "route", "code"}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total", Help: "h"}, labels)
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "http_request_duration_seconds", Help: "h"}, labels)
	reg.MustRegister(requests, duration)
	route := prometheus.Labels{"route": itemRoute}
	return func(next http.Handler) http.Handler {
		return promhttp.InstrumentHandlerDuration(duration.MustCurryWith(route),
			promhttp.InstrumentHandlerCounter(requests.MustCurryWith(route), next))
	}
}

// handAccessLog is an access log written by hand over slog, with the same
// attributes as kit's.
func handAccessLog(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			o := endpoint.OutcomeOfStatus(sw.status)
			level := slog.LevelInfo
			switch {
			case o.Kind == endpoint.DependencyFailure:
				level = slog.LevelError
			case o.Kind != endpoint.Success:
				level = slog.LevelWarn
			}
			logger.LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method), slog.String("route", r.Pattern),
				slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", time.Since(start)), slog.String("outcome", o.Kind.String()),
				slog.String("remote", r.RemoteAddr))
		})
	}
}

func resilience() (*circuitbreaker.Breaker, *rate.Limiter) {
	return circuitbreaker.NewBreaker(circuitbreaker.Settings{}), rate.NewLimiter(rate.Inf, 1)
}

var discardLogger = slog.New(slog.NewJSONHandler(io.Discard, nil))

var handlerWorkloads = []struct {
	name        string
	contestants []handlerContestant
}{
	{"breaker+limit", []handlerContestant{
		{"hand", func(testing.TB) func(http.Handler) http.Handler { return handBreakerLimit(resilience()) }},
		{"hand-faithful", func(testing.TB) func(http.Handler) http.Handler { return handBreakerLimitFaithful(resilience()) }},
		{"kit", func(testing.TB) func(http.Handler) http.Handler {
			b, l := resilience()
			return handler.Middleware(endpoint.Chain(ratelimit.NewErroringLimiter(l), b.Middleware))
		}},
	}},
	{"metrics", []handlerContestant{
		{"hand", func(testing.TB) func(http.Handler) http.Handler { return handMetrics(prometheus.NewRegistry()) }},
		{"promhttp", func(testing.TB) func(http.Handler) http.Handler { return promhttpMetrics(prometheus.NewRegistry()) }},
		{"kit", func(tb testing.TB) func(http.Handler) http.Handler {
			m, err := kitprom.NewHTTPServerMetrics(prometheus.NewRegistry(), nil)
			if err != nil {
				tb.Fatal(err)
			}
			return handler.Metrics(m)
		}},
	}},
	{"accesslog", []handlerContestant{
		{"hand", func(testing.TB) func(http.Handler) http.Handler { return handAccessLog(discardLogger) }},
		{"kit", func(testing.TB) func(http.Handler) http.Handler { return handler.AccessLog(discardLogger) }},
	}},
	{"metrics+breaker+limit", []handlerContestant{
		{"hand", func(testing.TB) func(http.Handler) http.Handler {
			metrics, resilient := handMetrics(prometheus.NewRegistry()), handBreakerLimit(resilience())
			return func(h http.Handler) http.Handler { return metrics(resilient(h)) }
		}},
		{"kit", func(tb testing.TB) func(http.Handler) http.Handler {
			m, err := kitprom.NewHTTPServerMetrics(prometheus.NewRegistry(), nil)
			if err != nil {
				tb.Fatal(err)
			}
			b, l := resilience()
			return handler.Middleware(endpoint.Chain(handler.MetricsMiddleware(m), ratelimit.NewErroringLimiter(l), b.Middleware))
		}},
	}},
}

func itemMux(wrap func(http.Handler) http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle(itemRoute, wrap(itemHandler))
	return mux
}

// TestHandlerContestantsAgree checks that every contestant serves the item.
func TestHandlerContestantsAgree(t *testing.T) {
	for _, wl := range handlerWorkloads {
		for _, c := range wl.contestants {
			rec := httptest.NewRecorder()
			itemMux(c.wrap(t)).ServeHTTP(rec, httptest.NewRequest("GET", "/items/7", nil))
			if rec.Code != 200 || rec.Body.String() != "item 7" {
				t.Errorf("%s/%s: %d %q, want 200 \"item 7\"", wl.name, c.impl, rec.Code, rec.Body.String())
			}
		}
	}
}

// TestBreakerLimitFaithful checks that the hand-written contestants labelled
// faithful do what kit's adapters do around a breaker beyond the happy
// path: a 4xx or InvalidArgument leaves the breaker closed, a panic is
// recovered (into Internal for gRPC; raised again for net/http) and opens
// it, and the refusal that follows is a 429 or ResourceExhausted.
func TestBreakerLimitFaithful(t *testing.T) {
	breaker := func() (*circuitbreaker.Breaker, *rate.Limiter) {
		return circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 1}), rate.NewLimiter(rate.Inf, 1)
	}
	httpImpls := map[string]func(*circuitbreaker.Breaker, *rate.Limiter) func(http.Handler) http.Handler{
		"hand-faithful": handBreakerLimitFaithful,
		"kit": func(b *circuitbreaker.Breaker, l *rate.Limiter) func(http.Handler) http.Handler {
			return handler.Middleware(endpoint.Chain(ratelimit.NewErroringLimiter(l), b.Middleware))
		},
	}
	for impl, wrap := range httpImpls {
		b, l := breaker()
		serve := func(h http.HandlerFunc) (code int, panicked any) {
			defer func() { panicked = recover() }()
			rec := httptest.NewRecorder()
			wrap(b, l)(h).ServeHTTP(rec, httptest.NewRequest("GET", "/items/7", nil))
			return rec.Code, nil
		}
		if code, _ := serve(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadRequest) }); code != http.StatusBadRequest {
			t.Errorf("http/%s: a 400 handler answered %d", impl, code)
		}
		if s := b.State(time.Now()); s != circuitbreaker.Closed {
			t.Errorf("http/%s: breaker %v after a 400, want closed", impl, s)
		}
		if _, v := serve(func(http.ResponseWriter, *http.Request) { panic("boom") }); v != "boom" {
			t.Errorf("http/%s: a panicking handler: recovered %v outside, want the panic raised again", impl, v)
		}
		if s := b.State(time.Now()); s != circuitbreaker.Open {
			t.Errorf("http/%s: breaker %v after a panic, want open", impl, s)
		}
		if code, _ := serve(func(http.ResponseWriter, *http.Request) {
			t.Errorf("http/%s: handler run through an open breaker", impl)
		}); code != http.StatusTooManyRequests {
			t.Errorf("http/%s: refusal answered %d, want 429", impl, code)
		}
	}

	grpcImpls := map[string]func(*circuitbreaker.Breaker, *rate.Limiter) grpc.UnaryServerInterceptor{
		"hand-faithful": handUnaryBreakerLimitFaithful,
		"kit": func(b *circuitbreaker.Breaker, l *rate.Limiter) grpc.UnaryServerInterceptor {
			return kitgrpc.UnaryServerInterceptor(endpoint.Chain(ratelimit.NewErroringLimiter(l), b.Middleware))
		},
	}
	for impl, icpt := range grpcImpls {
		b, l := breaker()
		call := func(h grpc.UnaryHandler) codes.Code {
			_, err := icpt(b, l)(context.Background(), "req", icptInfo, h)
			return status.Code(err)
		}
		invalid := func(context.Context, any) (any, error) { return nil, status.Error(codes.InvalidArgument, "bad") }
		if c := call(invalid); c != codes.InvalidArgument {
			t.Errorf("grpc/%s: an InvalidArgument handler: %v", impl, c)
		}
		if s := b.State(time.Now()); s != circuitbreaker.Closed {
			t.Errorf("grpc/%s: breaker %v after InvalidArgument, want closed", impl, s)
		}
		if c := call(func(context.Context, any) (any, error) { panic("boom") }); c != codes.Internal {
			t.Errorf("grpc/%s: a panicking handler: %v, want Internal", impl, c)
		}
		if s := b.State(time.Now()); s != circuitbreaker.Open {
			t.Errorf("grpc/%s: breaker %v after a panic, want open", impl, s)
		}
		if c := call(icptHandler); c != codes.ResourceExhausted {
			t.Errorf("grpc/%s: refusal: %v, want ResourceExhausted", impl, c)
		}
	}
}

func BenchmarkHandlerAdapter(b *testing.B) {
	for _, wl := range handlerWorkloads {
		for _, c := range wl.contestants {
			b.Run("workload="+wl.name+"/impl="+c.impl, func(b *testing.B) {
				mux := itemMux(c.wrap(b))
				w := &nopWriter{h: http.Header{}}
				r := httptest.NewRequest("GET", "/items/7", nil)
				b.ReportAllocs()
				for b.Loop() {
					mux.ServeHTTP(w, r)
				}
			})
		}
	}
}

// gRPC.

type interceptorContestant struct {
	impl string
	icpt func(tb testing.TB) grpc.UnaryServerInterceptor
}

func handUnaryBreakerLimit(b *circuitbreaker.Breaker, l *rate.Limiter) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		if !l.Allow() {
			return nil, status.Error(codes.ResourceExhausted, "limit exceeded")
		}
		t, err := b.AllowAt(time.Now())
		if err != nil {
			return nil, status.Error(codes.ResourceExhausted, "breaker open")
		}
		resp, err := h(ctx, req)
		b.DoneAt(t, time.Now(), kitgrpc.OutcomeOfCode(status.Code(err)))
		return resp, err
	}
}

// handUnaryBreakerLimitFaithful is handUnaryBreakerLimit with the rest of
// what kit's UnaryServerInterceptor does on every call: a panic in the
// handler is recovered into an Internal status (grpc-go itself does not
// recover, so without this a panic kills the process) and recorded by the
// breaker as a failure, and a context error without a status is classified
// by the code grpc-go sends for it (DeadlineExceeded or Canceled), not as
// Unknown.
func handUnaryBreakerLimitFaithful(b *circuitbreaker.Breaker, l *rate.Limiter) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
		if !l.Allow() {
			return nil, status.Error(codes.ResourceExhausted, "limit exceeded")
		}
		t, err := b.AllowAt(time.Now())
		if err != nil {
			return nil, status.Error(codes.ResourceExhausted, "breaker open")
		}
		defer func() {
			if v := recover(); v != nil {
				resp, err = nil, status.Error(codes.Internal, "internal error")
			}
			code := codes.OK
			if err != nil {
				s, ok := status.FromError(err)
				if !ok {
					s = status.FromContextError(err)
				}
				code = s.Code()
			}
			b.DoneAt(t, time.Now(), kitgrpc.OutcomeOfCode(code))
		}()
		return h(ctx, req)
	}
}

// handUnaryBreakerLimitAlloc is handUnaryBreakerLimitFaithful that also
// allocates the per-call value kit's interceptor hands its middleware (a
// *kitgrpc.ServerCall, passed through an Endpoint-like indirect call so that
// it escapes as kit's does). Not a contestant users would write: it shows
// what that one allocation costs on its own, the floor of any adapter that
// gives its middleware a request value of its own per call.
func handUnaryBreakerLimitAlloc(b *circuitbreaker.Breaker, l *rate.Limiter) grpc.UnaryServerInterceptor {
	faithful := handUnaryBreakerLimitFaithful(b, l)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		passOn(&kitgrpc.ServerCall{FullMethod: info.FullMethod, Request: req})
		return faithful(ctx, req, info, h)
	}
}

// passOn is an indirect call, as an Endpoint's is, that does nothing.
var passOn = func(any) {}

func handUnaryMetrics(reg prometheus.Registerer) grpc.UnaryServerInterceptor {
	labels := []string{"grpc_type", "grpc_service", "grpc_method", "grpc_code"}
	handled := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grpc_server_handled_total", Help: "h"}, labels)
	seconds := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "grpc_server_handling_seconds", Help: "h"}, labels)
	reg.MustRegister(handled, seconds)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := h(ctx, req)
		name := info.FullMethod[1:]
		i := strings.LastIndexByte(name, '/')
		code := status.Code(err).String()
		handled.WithLabelValues("unary", name[:i], name[i+1:], code).Inc()
		seconds.WithLabelValues("unary", name[:i], name[i+1:], code).Observe(time.Since(start).Seconds())
		return resp, err
	}
}

func handUnaryLog(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := h(ctx, req)
		code := status.Code(err)
		o := kitgrpc.OutcomeOfCode(code)
		logger.LogAttrs(ctx, slog.LevelInfo, "grpc call",
			slog.String("method", info.FullMethod), slog.String("type", "unary"),
			slog.String("code", code.String()), slog.Duration("duration", time.Since(start)),
			slog.String("outcome", o.Kind.String()), slog.String("peer", ""))
		return resp, err
	}
}

// slogLogger adapts a *slog.Logger to go-grpc-middleware's logging.Logger,
// as its documentation shows.
func slogLogger(l *slog.Logger) logging.Logger {
	return logging.LoggerFunc(func(ctx context.Context, lvl logging.Level, msg string, fields ...any) {
		l.Log(ctx, slog.Level(lvl), msg, fields...)
	})
}

var interceptorWorkloads = []struct {
	name        string
	contestants []interceptorContestant
}{
	{"breaker+limit", []interceptorContestant{
		{"hand", func(testing.TB) grpc.UnaryServerInterceptor { return handUnaryBreakerLimit(resilience()) }},
		{"hand-faithful", func(testing.TB) grpc.UnaryServerInterceptor { return handUnaryBreakerLimitFaithful(resilience()) }},
		{"hand-faithful+alloc", func(testing.TB) grpc.UnaryServerInterceptor { return handUnaryBreakerLimitAlloc(resilience()) }},
		{"kit", func(testing.TB) grpc.UnaryServerInterceptor {
			b, l := resilience()
			return kitgrpc.UnaryServerInterceptor(endpoint.Chain(ratelimit.NewErroringLimiter(l), b.Middleware))
		}},
	}},
	{"metrics", []interceptorContestant{
		{"hand", func(testing.TB) grpc.UnaryServerInterceptor { return handUnaryMetrics(prometheus.NewRegistry()) }},
		{"grpc-middleware", func(testing.TB) grpc.UnaryServerInterceptor {
			m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
			prometheus.NewRegistry().MustRegister(m)
			return m.UnaryServerInterceptor()
		}},
		{"kit", func(tb testing.TB) grpc.UnaryServerInterceptor {
			m, err := kitprom.NewGRPCServerMetrics(prometheus.NewRegistry(), nil)
			if err != nil {
				tb.Fatal(err)
			}
			return kitgrpc.UnaryServerInterceptor(kitgrpc.ServerMetrics(m))
		}},
	}},
	{"accesslog", []interceptorContestant{
		{"hand", func(testing.TB) grpc.UnaryServerInterceptor { return handUnaryLog(discardLogger) }},
		{"grpc-middleware", func(testing.TB) grpc.UnaryServerInterceptor {
			return logging.UnaryServerInterceptor(slogLogger(discardLogger), logging.WithLogOnEvents(logging.FinishCall))
		}},
		{"kit", func(testing.TB) grpc.UnaryServerInterceptor {
			return kitgrpc.UnaryServerInterceptor(kitgrpc.ServerAccessLog(discardLogger))
		}},
	}},
}

var (
	icptInfo  = &grpc.UnaryServerInfo{FullMethod: "/items.Items/Get"}
	icptReply = &struct{ name string }{"item 7"}
)

func icptHandler(context.Context, any) (any, error) { return icptReply, nil }

// TestInterceptorContestantsAgree checks that every contestant returns the
// handler's reply.
func TestInterceptorContestantsAgree(t *testing.T) {
	for _, wl := range interceptorWorkloads {
		for _, c := range wl.contestants {
			resp, err := c.icpt(t)(context.Background(), "req", icptInfo, icptHandler)
			if resp != icptReply || err != nil {
				t.Errorf("%s/%s: %v, %v; want the handler's reply", wl.name, c.impl, resp, err)
			}
		}
	}
}

func BenchmarkServerInterceptor(b *testing.B) {
	for _, wl := range interceptorWorkloads {
		for _, c := range wl.contestants {
			b.Run("workload="+wl.name+"/impl="+c.impl, func(b *testing.B) {
				icpt := c.icpt(b)
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					_, _ = icpt(ctx, "req", icptInfo, icptHandler)
				}
			})
		}
	}
}

// BenchmarkServerInterceptorLoopback puts the interceptors where they run:
// the example's Sum RPC over loopback TCP, the client in the same process,
// so that the adapter's cost is seen beside a whole call's.
func BenchmarkServerInterceptorLoopback(b *testing.B) {
	bare := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		return h(ctx, req)
	}
	contestants := []interceptorContestant{
		{"none", func(testing.TB) grpc.UnaryServerInterceptor { return bare }},
		interceptorWorkloads[0].contestants[0], // breaker+limit by hand
		interceptorWorkloads[0].contestants[1], // breaker+limit by hand, with what kit also does
		interceptorWorkloads[0].contestants[3], // breaker+limit through kit
	}
	for _, c := range contestants {
		b.Run("workload=breaker+limit/impl="+c.impl, func(b *testing.B) {
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			s := grpc.NewServer(grpc.UnaryInterceptor(c.icpt(b)))
			pb.RegisterAddServer(s, rawAdd{})
			done := make(chan struct{})
			go func() { defer close(done); _ = s.Serve(lis) }()
			defer func() { s.Stop(); <-done }()
			conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			client := pb.NewAddClient(conn)
			ctx := context.Background()
			req := &pb.SumRequest{A: 1, B: 2}
			if r, err := client.Sum(ctx, req); err != nil || r.V != 3 {
				b.Fatalf("Sum(1, 2) = %v, %v", r, err)
			}
			b.ReportAllocs()
			for b.Loop() {
				_, _ = client.Sum(ctx, req)
			}
		})
	}
}
