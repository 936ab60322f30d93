package loadbalancer_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/log"
	kithttp "github.com/endpointkit/kit/transport/http"
)

// instanceServer is a real HTTP instance over loopback: it answers after
// delay, or with status when it is set, and honours the caller's
// Kit-Timeout as kit's server does.
type instanceServer struct {
	srv    *httptest.Server
	delay  atomic.Int64 // a time.Duration
	status atomic.Int32
}

func newInstanceServer(t *testing.T, delay time.Duration) *instanceServer {
	t.Helper()
	is := &instanceServer{}
	is.delay.Store(int64(delay))
	e := func(ctx context.Context, _ any) (any, error) {
		if code := is.status.Load(); code != 0 {
			return nil, &kithttp.StatusError{Code: int(code), Err: errors.New("unavailable")}
		}
		timer := time.NewTimer(time.Duration(is.delay.Load()))
		defer timer.Stop()
		select {
		case <-timer.C:
			return map[string]string{"ok": "yes"}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	is.srv = httptest.NewServer(kithttp.NewServer(e,
		func(context.Context, *http.Request) (any, error) { return nil, nil },
		kithttp.EncodeJSONResponse))
	t.Cleanup(is.srv.Close)
	return is
}

// client returns kit's HTTP client endpoint for the instance.
func (is *instanceServer) client(t *testing.T) endpoint.Endpoint {
	t.Helper()
	u, err := url.Parse(is.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return kithttp.NewClient(http.MethodPost, u, kithttp.EncodeJSONRequest,
		kithttp.DecodeJSONResponse[map[string]string], kithttp.SetClient(is.srv.Client())).Endpoint()
}

// TestOutlierIgnoresCallerDeadlinesOverHTTP is the attack of issue 11:
// callers with 1ms budgets, against healthy instances that need 5ms, must
// not eject them (with every error counted, 100 such calls ejected them);
// real failures still eject: a 5xx, a refused connection, and this hop's
// own timeout.
func TestOutlierIgnoresCallerDeadlinesOverHTTP(t *testing.T) {
	servers := []*instanceServer{newInstanceServer(t, 5*time.Millisecond), newInstanceServer(t, 5*time.Millisecond), newInstanceServer(t, 5*time.Millisecond)}
	var targets []loadbalancer.Target
	for i, s := range servers {
		targets = append(targets, loadbalancer.Target{Instance: fmt.Sprint("i", i), Endpoint: s.client(t)})
	}
	src := targetsFunc(func() ([]loadbalancer.Target, error) { return targets, nil })
	o := loadbalancer.NewOutlierEndpointer(src, loadbalancer.OutlierSettings{MaxEjectedFraction: 1, PanicThreshold: -1})
	callEach := func(n int, budget time.Duration) {
		t.Helper()
		for range n {
			eps, err := o.Endpoints()
			if err != nil {
				t.Fatalf("Endpoints(): %v", err)
			}
			for _, e := range eps {
				ctx, cancel := context.WithTimeout(context.Background(), budget)
				_, _ = e(ctx, nil)
				cancel()
			}
		}
	}
	callEach(100, time.Millisecond)
	if got := o.Ejected(); len(got) != 0 {
		t.Fatalf("after 100 calls each with 1ms caller budgets: Ejected() = %v, want none", got)
	}
	if got := offered(t, o); len(got) != 3 {
		t.Fatalf("after 100 calls each with 1ms caller budgets: offered %v, want all three", got)
	}

	// Real dependency failures: i0 answers 503, i1 is gone (connection
	// refused), i2 is too slow for this hop's own timeout.
	servers[0].status.Store(http.StatusServiceUnavailable)
	servers[1].srv.Close()
	servers[2].delay.Store(int64(time.Second))
	targets[2].Endpoint = endpoint.Timeout(5 * time.Millisecond)(targets[2].Endpoint)
	targets = slices.Clone(targets) // a new set, as discovery publishes one
	callEach(5, time.Minute)
	if got, want := o.Ejected(), []string{"i0", "i1", "i2"}; !slices.Equal(got, want) {
		t.Errorf("after 5 dependency failures each: Ejected() = %v, want %v", got, want)
	}
}

// TestOutlierCountsOnlyDependencyFailures checks each Kind against
// ejection: only DependencyFailure counts.
func TestOutlierCountsOnlyDependencyFailures(t *testing.T) {
	for _, tc := range []struct {
		err   error
		eject bool
	}{
		{errors.New("connection refused"), true},
		{statusErr(503), true},
		{statusErr(400), false},
		{statusErr(429), false},
		{endpoint.WithOutcome(errors.New("shed"), endpoint.Outcome{Kind: endpoint.Overloaded}), false},
		{endpoint.WithOutcome(errors.New("bad"), endpoint.Outcome{Kind: endpoint.CallerError}), false},
	} {
		t.Run(tc.err.Error(), func(t *testing.T) {
			bad := func(context.Context, any) (any, error) { return nil, tc.err }
			o := loadbalancer.NewOutlierEndpointer(loadbalancer.FixedEndpointer{bad, named("b")}, loadbalancer.OutlierSettings{})
			callAll(t, o, 10)
			if ejected := len(o.Ejected()) > 0; ejected != tc.eject {
				t.Errorf("after 10 calls failing with %v: Ejected() = %v, want ejected = %v", tc.err, o.Ejected(), tc.eject)
			}
		})
	}
}

// TestOutlierConcurrentFailuresEjectOnce fails many calls to one instance at
// once: its first ejection must last BaseEjection, not once per call that
// decided to eject it.
func TestOutlierConcurrentFailuresEjectOnce(t *testing.T) {
	for range 5 {
		synctest.Test(t, func(t *testing.T) {
			release := make(chan struct{})
			var failing atomic.Bool
			failing.Store(true)
			bad := func(context.Context, any) (any, error) {
				<-release
				if failing.Load() {
					return nil, errors.New("unavailable")
				}
				return "bad", nil
			}
			eps := loadbalancer.FixedEndpointer{bad, named("b"), named("c"), named("d")}
			o := loadbalancer.NewOutlierEndpointer(eps, loadbalancer.OutlierSettings{
				ConsecutiveFailures: 1, BaseEjection: 30 * time.Second, PanicThreshold: -1,
			})
			got, _ := o.Endpoints()
			var wg sync.WaitGroup
			for range 64 {
				wg.Go(func() { got[0](context.Background(), nil) })
			}
			synctest.Wait() // all 64 calls in flight
			close(release)
			wg.Wait()
			if ej := o.Ejected(); !slices.Equal(ej, []string{"#0"}) {
				t.Fatalf("after 64 concurrent failures: Ejected() = %v, want [#0]", ej)
			}
			failing.Store(false)
			time.Sleep(30 * time.Second)
			if n := len(offered(t, o)); n != 4 {
				t.Errorf("BaseEjection after a first ejection: %d offered, want 4 (#0 back on probation)", n)
			}
		})
	}
}

// TestOutlierUnnamedStateDoesNotMove checks that a plain Endpointer's
// records, kept by position, do not pass an ejection to the instance that
// moves into an ejected one's position when the set changes.
func TestOutlierUnnamedStateDoesNotMove(t *testing.T) {
	bad := func(context.Context, any) (any, error) { return nil, errors.New("unavailable") }
	set := loadbalancer.FixedEndpointer{bad, named("b"), named("c")}
	var cur atomic.Pointer[loadbalancer.FixedEndpointer]
	cur.Store(&set)
	src := loadbalancer.EndpointerFunc(func() ([]endpoint.Endpoint, error) { return *cur.Load(), nil })
	o := loadbalancer.NewOutlierEndpointer(src, loadbalancer.OutlierSettings{ConsecutiveFailures: 1, PanicThreshold: -1})
	callAll(t, o, 1)
	if got := o.Ejected(); !slices.Equal(got, []string{"#0"}) {
		t.Fatalf("Ejected() = %v, want [#0]", got)
	}
	// Discovery drops the bad instance: b moves to position 0.
	next := loadbalancer.FixedEndpointer{named("b"), named("c")}
	cur.Store(&next)
	eps, err := o.Endpoints()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range eps {
		got = append(got, call(t, e))
	}
	if !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("after the bad instance left: offered %v, want [b c]", got)
	}
}

// TestBalancersSurvivePanics panics through a load-aware balancer's
// endpoint: the instance must not be left with a call in flight forever,
// which would keep the balancer from ever picking it again.
func TestBalancersSurvivePanics(t *testing.T) {
	for name, build := range map[string]func(loadbalancer.Endpointer) loadbalancer.Balancer{
		"P2C": func(s loadbalancer.Endpointer) loadbalancer.Balancer {
			return loadbalancer.NewP2C(s, loadbalancer.P2CSettings{})
		},
		"LeastInFlight": func(s loadbalancer.Endpointer) loadbalancer.Balancer { return loadbalancer.NewLeastInFlight(s) },
	} {
		t.Run(name, func(t *testing.T) {
			var panicked atomic.Bool
			a := func(context.Context, any) (any, error) {
				if panicked.CompareAndSwap(false, true) {
					panic("boom")
				}
				return "a", nil
			}
			b := build(loadbalancer.FixedEndpointer{a, named("b")})
			// Call until a has panicked once.
			for i := 0; !panicked.Load(); i++ {
				if i > 1000 {
					t.Fatal("a was never picked")
				}
				e, err := b.Endpoint()
				if err != nil {
					t.Fatal(err)
				}
				func() {
					defer func() { recover() }()
					e(context.Background(), nil)
				}()
			}
			picked := map[string]int{}
			for range 400 {
				e, err := b.Endpoint()
				if err != nil {
					t.Fatal(err)
				}
				picked[call(t, e)]++
			}
			if picked["a"] == 0 {
				t.Errorf("after a panic in a: picks %v, want a picked again", picked)
			}
		})
	}
}

// TestEndpointerRetriesFailedFactory checks that an instance whose Factory
// failed once is built again while discovery keeps listing it, with
// backoff: 1s, then doubling.
func TestEndpointerRetriesFailedFactory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		var failUntil atomic.Int32
		failUntil.Store(1)
		factory := func(inst string) (endpoint.Endpoint, io.Closer, error) {
			if n := calls.Add(1); n <= failUntil.Load() {
				return nil, nil, fmt.Errorf("dial %s: no route yet", inst)
			}
			return named(inst), nil, nil
		}
		var bc loadbalancer.Broadcaster
		bc.Update(loadbalancer.Event{Instances: []string{"a"}})
		e := loadbalancer.NewEndpointer(&bc, factory, log.NewNopLogger())
		defer e.Close()
		if eps, _ := e.Endpoints(); len(eps) != 0 {
			t.Fatalf("after a failed Factory: %d endpoints, want 0", len(eps))
		}
		// The registry repeats its set: the instance waits for its backoff.
		bc.Update(loadbalancer.Event{Instances: []string{"a"}})
		synctest.Wait()
		if got := calls.Load(); got != 1 {
			t.Errorf("Factory calls after a repeated set within the backoff = %d, want 1", got)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if got := instancesOf(t, e); !slices.Equal(got, []string{"a"}) {
			t.Fatalf("1s after the failure: instances = %v, want [a]", got)
		}

		// An instance whose Factory keeps failing is tried at 0, 1s, 3s,
		// 7s, 15s...
		calls.Store(0)
		failUntil.Store(1 << 30)
		bc.Update(loadbalancer.Event{Instances: []string{"a", "b"}})
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if got := calls.Load(); got != 4 {
			t.Errorf("Factory calls for b in its first 10s of failures = %d, want 4 (at 0, 1s, 3s, 7s)", got)
		}
		// Once b leaves, it is no longer retried.
		bc.Update(loadbalancer.Event{Instances: []string{"a"}})
		synctest.Wait()
		calls.Store(0)
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := calls.Load(); got != 0 {
			t.Errorf("Factory calls for an instance that left = %d, want 0", got)
		}
	})
}
