package roundtrip_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/loadbalancer"
	"github.com/endpointkit/kit/loadbalancer/static"
	"github.com/endpointkit/kit/transport/http/roundtrip"
)

func TestBalancesOverThreeInstances(t *testing.T) {
	t.Run("round robin", func(t *testing.T) {
		a, b, c := newInstance(t, "a", nil), newInstance(t, "b", nil), newInstance(t, "c", nil)
		_, client, rec := newTransport(t, loadbalancer.FixedInstancer(addrs(a, b, c)),
			roundtrip.TransportBalancer(func(e loadbalancer.Endpointer) loadbalancer.Balancer { return loadbalancer.NewRoundRobin(e) }))
		seen := map[string]int{}
		for range 300 {
			code, body, err := get(t, client, context.Background(), "/hello")
			if err != nil || code != http.StatusOK {
				t.Fatalf("GET: code %d, err %v; want 200, nil", code, err)
			}
			seen[body]++
		}
		if want := map[string]int{"a": 100, "b": 100, "c": 100}; !maps.Equal(seen, want) {
			t.Errorf("served %v, want %v", seen, want)
		}
		if open := rec.open(); len(open) > 0 {
			t.Errorf("response bodies left open: %v", open)
		}
	})
	t.Run("p2c", func(t *testing.T) {
		// P2C (the default) follows latency and load: with requests in
		// flight at once, each instance gets a share.
		a, b, c := newInstance(t, "a", nil), newInstance(t, "b", nil), newInstance(t, "c", nil)
		_, client, rec := newTransport(t, loadbalancer.FixedInstancer(addrs(a, b, c)))
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				for range 50 {
					if code, _, err := get(t, client, context.Background(), "/"); err != nil || code != http.StatusOK {
						t.Errorf("GET: code %d, err %v; want 200, nil", code, err)
					}
				}
			})
		}
		wg.Wait()
		for _, in := range []*instance{a, b, c} {
			if in.hits.Load() == 0 {
				t.Errorf("instance %s served none of 300 concurrent requests (a=%d b=%d c=%d)",
					in.name, a.hits.Load(), b.hits.Load(), c.hits.Load())
			}
		}
		if open := rec.open(); len(open) > 0 {
			t.Errorf("response bodies left open: %v", open)
		}
	})
}

func TestSurvivesClosedInstance(t *testing.T) {
	a, b, c := newInstance(t, "a", nil), newInstance(t, "b", nil), newInstance(t, "c", nil)
	_, client, _ := newTransport(t, loadbalancer.FixedInstancer(addrs(a, b, c)))
	b.srv.Close() // connections to it are refused from now on
	for i := range 200 {
		code, body, err := get(t, client, context.Background(), "/")
		if err != nil || code != http.StatusOK {
			t.Fatalf("GET %d with one instance down: code %d, err %v; want 200, nil", i, code, err)
		}
		if body == "b" {
			t.Fatalf("GET %d answered by the closed instance", i)
		}
	}
}

func TestEjectsClosedInstance(t *testing.T) {
	a, b, c := newInstance(t, "a", nil), newInstance(t, "b", nil), newInstance(t, "c", nil)
	tr, client, _ := newTransport(t, loadbalancer.FixedInstancer(addrs(a, b, c)),
		roundtrip.TransportBalancer(func(e loadbalancer.Endpointer) loadbalancer.Balancer { return loadbalancer.NewRoundRobin(e) }))
	b.srv.Close()
	for i := range 30 {
		if code, _, err := get(t, client, context.Background(), "/"); err != nil || code != http.StatusOK {
			t.Fatalf("GET %d: code %d, err %v; want 200, nil", i, code, err)
		}
	}
	// Round robin offered b every third request: 5 failures in a row.
	if got := tr.Ejected(); !slices.Equal(got, []string{b.addr}) {
		t.Errorf("Ejected() = %v, want [%s]", got, b.addr)
	}
}

func TestRoundTripDoesNotModifyRequest(t *testing.T) {
	a := newInstance(t, "a", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Host+" "+r.URL.Path+"?"+r.URL.RawQuery)
	})
	_, client, _ := newTransport(t, loadbalancer.FixedInstancer{a.addr})
	req, _ := http.NewRequest(http.MethodGet, "http://svc/sum?a=1&b=2", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := a.addr + " /sum?a=1&b=2"; string(body) != want {
		t.Errorf("instance saw %q, want %q", body, want)
	}
	if req.URL.String() != "http://svc/sum?a=1&b=2" || req.Host != "svc" {
		t.Errorf("request modified: URL %s, Host %s", req.URL, req.Host)
	}

	// A Host set apart from the URL's is the caller's choice, and kept.
	req, _ = http.NewRequest(http.MethodGet, "http://svc/x", nil)
	req.Host = "api.example"
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := "api.example /x?"; string(body) != want {
		t.Errorf("instance saw %q, want %q", body, want)
	}
}

// failing answers 503 with a body for every request.
func failing(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.WriteHeader(http.StatusServiceUnavailable)
	io.WriteString(w, "down")
}

func TestRetriesOnlySafeRequests(t *testing.T) {
	// POST body makers: with and without GetBody.
	replayable := func() (io.Reader, bool) { return strings.NewReader("payload"), true }
	oneShot := func() (io.Reader, bool) { return io.NopCloser(strings.NewReader("payload")), false }
	tests := []struct {
		name     string
		method   string
		body     func() (io.Reader, bool)
		mark     func(*http.Request) *http.Request
		attempts int64
	}{
		{"GET", http.MethodGet, nil, nil, 3},
		{"PUT with GetBody", http.MethodPut, replayable, nil, 3},
		{"PUT without GetBody", http.MethodPut, oneShot, nil, 1},
		{"POST with GetBody", http.MethodPost, replayable, nil, 1},
		{"POST without GetBody", http.MethodPost, oneShot, nil, 1},
		{"POST marked idempotent", http.MethodPost, replayable, func(r *http.Request) *http.Request {
			return r.WithContext(loadbalancer.WithIdempotent(r.Context()))
		}, 3},
		{"POST marked idempotent without GetBody", http.MethodPost, oneShot, func(r *http.Request) *http.Request {
			return r.WithContext(loadbalancer.WithIdempotent(r.Context()))
		}, 1},
		{"POST with Idempotency-Key", http.MethodPost, replayable, func(r *http.Request) *http.Request {
			r.Header.Set("Idempotency-Key", "k1")
			return r
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var bodies sync.Map
			h := func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				bodies.Store(string(b), true)
				failing(w, r)
			}
			a, b, c := newInstance(t, "a", h), newInstance(t, "b", h), newInstance(t, "c", h)
			_, client, rec := newTransport(t, loadbalancer.FixedInstancer(addrs(a, b, c)),
				roundtrip.TransportRetry(loadbalancer.RetrySettings{BackoffBase: -1}))
			var body io.Reader
			if tt.body != nil {
				body, _ = tt.body()
			}
			req, _ := http.NewRequest(tt.method, "http://svc/", body)
			if tt.mark != nil {
				req = tt.mark(req)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("Do: %v; want the 503 response", err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable || string(got) != "down" {
				t.Errorf("response %d %q, want 503 \"down\"", resp.StatusCode, got)
			}
			if hits := a.hits.Load() + b.hits.Load() + c.hits.Load(); hits != tt.attempts {
				t.Errorf("attempts = %d, want %d", hits, tt.attempts)
			}
			if tt.attempts == 3 && (a.hits.Load() != 1 || b.hits.Load() != 1 || c.hits.Load() != 1) {
				t.Errorf("retries went to instances a=%d b=%d c=%d, want one each", a.hits.Load(), b.hits.Load(), c.hits.Load())
			}
			if tt.body != nil {
				bodies.Range(func(k, _ any) bool {
					if k != "payload" {
						t.Errorf("an attempt sent body %q, want \"payload\"", k)
					}
					return true
				})
			}
			if open := rec.open(); len(open) > 0 {
				t.Errorf("response bodies left open: %v", open)
			}
		})
	}
}

// breakers returns a per-instance middleware factory of breakers that open
// after 4 calls with half failed, and a function reporting whether any
// opened.
func breakers() (func(string) endpoint.Middleware, func() []string) {
	var mu sync.Mutex
	var opened []string
	return func(instance string) endpoint.Middleware {
			return circuitbreaker.NewBreaker(circuitbreaker.Settings{MinRequests: 4, OpenFor: time.Minute},
				circuitbreaker.BreakerStateChange(func(_, to circuitbreaker.State) {
					if to == circuitbreaker.Open {
						mu.Lock()
						opened = append(opened, instance)
						mu.Unlock()
					}
				})).Middleware
		}, func() []string {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(opened)
		}
}

func TestCallerErrorsNotRetriedAndBreakerStaysClosed(t *testing.T) {
	for _, tt := range []struct {
		status      int
		wantRetries bool
		wantOpen    bool
	}{
		{http.StatusBadRequest, false, false},
		{http.StatusNotFound, false, false},
		{http.StatusServiceUnavailable, true, true}, // the same test can fail
	} {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			h := func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", tt.status) }
			a, b := newInstance(t, "a", h), newInstance(t, "b", h)
			mw, opened := breakers()
			_, client, rec := newTransport(t, loadbalancer.FixedInstancer(addrs(a, b)),
				roundtrip.TransportInstanceMiddleware(mw), roundtrip.TransportNoOutlier(),
				roundtrip.TransportRetry(loadbalancer.RetrySettings{BackoffBase: -1, MaxAttempts: 2}))
			const n = 20
			for i := range n {
				code, _, err := get(t, client, context.Background(), "/")
				if tt.wantOpen && errors.Is(err, circuitbreaker.ErrOpen) {
					continue // both breakers open: no attempt is made
				}
				if err != nil {
					t.Fatalf("GET: %v", err)
				}
				if code != tt.status {
					t.Fatalf("GET: status %d, want %d", code, tt.status)
				}
				if hits := a.hits.Load() + b.hits.Load(); i == 0 && tt.wantRetries && hits != 2 {
					t.Errorf("first request made %d attempts, want 2", hits)
				}
			}
			if hits := a.hits.Load() + b.hits.Load(); !tt.wantRetries && hits != n {
				t.Errorf("%d requests made %d attempts, want %d (no retries)", n, hits, n)
			}
			if got := len(opened()) > 0; got != tt.wantOpen {
				t.Errorf("breakers opened: %v, want any opened = %v", opened(), tt.wantOpen)
			}
			if open := rec.open(); len(open) > 0 {
				t.Errorf("response bodies left open: %v", open)
			}
		})
	}
}

func TestRetriesRespectBudget(t *testing.T) {
	a, b := newInstance(t, "a", failing), newInstance(t, "b", failing)
	budget := loadbalancer.NewBudget(loadbalancer.BudgetSettings{Ratio: 0.1, MinPerSecond: -1})
	_, client, rec := newTransport(t, loadbalancer.FixedInstancer(addrs(a, b)), roundtrip.TransportNoOutlier(),
		roundtrip.TransportRetry(loadbalancer.RetrySettings{BackoffBase: -1, Budget: budget}))
	const n = 100
	for range n {
		if code, _, err := get(t, client, context.Background(), "/"); err != nil || code != http.StatusServiceUnavailable {
			t.Fatalf("GET: %d, %v; want 503", code, err)
		}
	}
	// 100 requests deposit 10 retries.
	if hits := a.hits.Load() + b.hits.Load(); hits > n+10 {
		t.Errorf("%d requests made %d attempts, want at most %d under a 10%% budget", n, hits, n+10)
	}
	if open := rec.open(); len(open) > 0 {
		t.Errorf("response bodies left open: %v", open)
	}
}

func TestFailedAttemptBodiesClosed(t *testing.T) {
	// Two instances fail with a body, one answers: the failed responses of
	// the attempts before the answer are drained and closed, and their
	// connections reused.
	bad1, bad2 := newInstance(t, "bad1", failing), newInstance(t, "bad2", failing)
	good := newInstance(t, "good", nil)
	_, client, rec := newTransport(t, loadbalancer.FixedInstancer(addrs(bad1, bad2, good)), roundtrip.TransportNoOutlier(),
		roundtrip.TransportRetry(loadbalancer.RetrySettings{BackoffBase: -1, Budget: loadbalancer.NewBudget(loadbalancer.BudgetSettings{MinPerSecond: 1000})}))
	for range 50 {
		code, body, err := get(t, client, context.Background(), "/")
		if err != nil || code != http.StatusOK || body != "good" {
			t.Fatalf("GET: %d %q %v; want 200 \"good\"", code, body, err)
		}
	}
	if rec.count() <= 50 {
		t.Fatalf("%d responses for 50 requests: no attempt failed, the test proves nothing", rec.count())
	}
	if open := rec.open(); len(open) > 0 {
		t.Errorf("response bodies left open: %v", open)
	}
	// Drained bodies leave their connections reusable: the failing
	// instances needed about one connection each, not one per failure.
	if n := bad1.conns.Load() + bad2.conns.Load(); n > 4 {
		t.Errorf("failing instances saw %d connections, want them reused (at most 4)", n)
	}
}

func TestAttemptTimeout(t *testing.T) {
	// One instance never answers; each attempt to it is cut short after
	// 50ms and retried on the other.
	release := make(chan struct{})
	stuck := newInstance(t, "stuck", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	fast := newInstance(t, "fast", nil)
	mw, opened := breakers()
	_, client, _ := newTransport(t, loadbalancer.FixedInstancer(addrs(stuck, fast)),
		roundtrip.TransportBalancer(func(e loadbalancer.Endpointer) loadbalancer.Balancer { return loadbalancer.NewRoundRobin(e) }),
		roundtrip.TransportInstanceMiddleware(mw), roundtrip.TransportNoOutlier(),
		roundtrip.TransportRetry(loadbalancer.RetrySettings{AttemptTimeout: 50 * time.Millisecond, BackoffBase: -1}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 8 {
		code, body, err := get(t, client, ctx, "/")
		if err != nil || code != http.StatusOK || body != "fast" {
			t.Fatalf("GET %d: %d %q %v; want 200 \"fast\"", i, code, body, err)
		}
	}
	if stuck.hits.Load() == 0 {
		t.Fatal("no attempt went to the stuck instance: the test proves nothing")
	}
	// The attempt timeouts are the instance's failures: its breaker opened.
	if got := opened(); !slices.Equal(got, []string{stuck.addr}) {
		t.Errorf("breakers opened: %v, want [%s]", got, stuck.addr)
	}
}

func TestAttemptTimeoutSparesBody(t *testing.T) {
	// The attempt timeout bounds the wait for the headers; a body that
	// takes longer still arrives whole.
	more := make(chan struct{})
	slowBody := newInstance(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "head ")
		w.(http.Flusher).Flush()
		<-more
		io.WriteString(w, "tail")
	})
	_, client, _ := newTransport(t, loadbalancer.FixedInstancer{slowBody.addr},
		roundtrip.TransportRetry(loadbalancer.RetrySettings{AttemptTimeout: 20 * time.Millisecond}))
	resp, err := client.Get("http://svc/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	time.Sleep(100 * time.Millisecond) // well past the attempt timeout
	close(more)
	b, err := io.ReadAll(resp.Body)
	if err != nil || string(b) != "head tail" {
		t.Errorf("body %q, %v; want \"head tail\"", b, err)
	}
}

func TestCallerCancellation(t *testing.T) {
	arrived := make(chan struct{}, 3)
	h := func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	}
	a, b := newInstance(t, "a", h), newInstance(t, "b", h)
	mw, opened := breakers()
	_, client, rec := newTransport(t, loadbalancer.FixedInstancer(addrs(a, b)), roundtrip.TransportInstanceMiddleware(mw))
	for range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, _, err := get(t, client, ctx, "/")
			done <- err
		}()
		<-arrived
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("GET canceled by the caller: err = %v, want context.Canceled", err)
		}
	}
	if hits := a.hits.Load() + b.hits.Load(); hits != 5 {
		t.Errorf("5 canceled requests made %d attempts, want 5 (no retry after the caller gave up)", hits)
	}
	if got := opened(); len(got) > 0 {
		t.Errorf("breakers opened on the caller's cancellations: %v", got)
	}
	if open := rec.open(); len(open) > 0 {
		t.Errorf("response bodies left open: %v", open)
	}
}

func TestTimeoutCoversBody(t *testing.T) {
	more := make(chan struct{})
	defer close(more)
	a := newInstance(t, "a", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "head ")
		w.(http.Flusher).Flush()
		select {
		case <-more:
		case <-r.Context().Done():
		}
	})
	_, client, _ := newTransport(t, loadbalancer.FixedInstancer{a.addr},
		roundtrip.TransportRetry(loadbalancer.RetrySettings{Timeout: 50 * time.Millisecond}))
	resp, err := client.Get("http://svc/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, endpoint.ErrTimeout) {
		t.Errorf("reading a body past the Timeout: err = %v, want a deadline error", err)
	}
}

func TestDiscoveryAddsAndRemovesInstances(t *testing.T) {
	a, b := newInstance(t, "a", nil), newInstance(t, "b", nil)
	instancer := static.NewInstancer([]string{a.addr})
	tr, client, _ := newTransport(t, instancer)
	served := func(n int) map[string]int {
		seen := map[string]int{}
		for range n {
			code, body, err := get(t, client, context.Background(), "/")
			if err != nil || code != http.StatusOK {
				t.Fatalf("GET: %d %v", code, err)
			}
			seen[body]++
		}
		return seen
	}
	if seen := served(20); seen["a"] != 20 {
		t.Errorf("with [a]: served %v, want all by a", seen)
	}
	instancer.Set([]string{a.addr, b.addr})
	waitFor(t, "b to be added", func() bool { return len(tr.Instances()) == 2 })
	if seen := served(100); seen["b"] == 0 {
		t.Errorf("with [a b]: served %v, want some by b", seen)
	}
	instancer.Set([]string{b.addr})
	waitFor(t, "a to be removed", func() bool { return slices.Equal(tr.Instances(), []string{b.addr}) })
	before := a.hits.Load()
	if seen := served(20); seen["b"] != 20 || a.hits.Load() != before {
		t.Errorf("with [b]: served %v, a got %d more; want all by b", seen, a.hits.Load()-before)
	}
}

func TestInstanceForms(t *testing.T) {
	a := newInstance(t, "a", nil)
	tr, client, _ := newTransport(t, loadbalancer.FixedInstancer{
		"http://" + a.addr + "/", "ftp://x:1", "http://x:1/path", "x:1/path", "", "http://",
	})
	if got := tr.Instances(); !slices.Equal(got, []string{"http://" + a.addr + "/"}) {
		t.Errorf("Instances() = %q, want only the valid URL", got)
	}
	if code, body, err := get(t, client, context.Background(), "/"); err != nil || code != 200 || body != "a" {
		t.Errorf("GET over a URL instance: %d %q %v", code, body, err)
	}
}

func TestNoInstances(t *testing.T) {
	_, client, _ := newTransport(t, loadbalancer.FixedInstancer{})
	body := &closeRecorder{Reader: strings.NewReader("x")}
	req, _ := http.NewRequest(http.MethodPost, "http://svc/", body)
	_, err := client.Do(req)
	if !errors.Is(err, loadbalancer.ErrNoEndpoints) {
		t.Errorf("Do with no instances: err = %v, want ErrNoEndpoints", err)
	}
	if !body.closed.Load() {
		t.Error("request body not closed")
	}
}

type closeRecorder struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeRecorder) Close() error { c.closed.Store(true); return nil }

func TestHedging(t *testing.T) {
	// One instance never answers; a hedge sends a backup to the other
	// after 20ms, and the stuck attempt is abandoned.
	stuck := newInstance(t, "stuck", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	fast := newInstance(t, "fast", func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 100<<10)) // a body longer than one read
	})
	_, client, rec := newTransport(t, loadbalancer.FixedInstancer(addrs(stuck, fast)),
		roundtrip.TransportBalancer(func(e loadbalancer.Endpointer) loadbalancer.Balancer { return loadbalancer.NewRoundRobin(e) }),
		roundtrip.TransportHedge(loadbalancer.HedgeSettings{Delay: 20 * time.Millisecond, MaxExtra: 1}))
	for i := range 6 {
		code, body, err := get(t, client, context.Background(), "/")
		if err != nil || code != http.StatusOK || len(body) != 100<<10 {
			t.Fatalf("GET %d: %d, %d bytes, %v; want 200 and the whole body", i, code, len(body), err)
		}
	}
	if stuck.hits.Load() == 0 {
		t.Fatal("no attempt went to the stuck instance: the test proves nothing")
	}
	waitFor(t, "every response body closed", func() bool { return len(rec.open()) == 0 })
}

func TestConcurrentRequests(t *testing.T) {
	a, b, c := newInstance(t, "a", nil), newInstance(t, "b", failing), newInstance(t, "c", nil)
	_, client, rec := newTransport(t, loadbalancer.FixedInstancer(addrs(a, b, c)),
		roundtrip.TransportRetry(loadbalancer.RetrySettings{BackoffBase: -1, Budget: loadbalancer.NewBudget(loadbalancer.BudgetSettings{MinPerSecond: 1e4})}))
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 8 {
		wg.Go(func() {
			for range 50 {
				code, _, err := get(t, client, context.Background(), "/")
				if err != nil || code != http.StatusOK {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of 400 concurrent GETs failed with one instance answering 503", n)
	}
	if open := rec.open(); len(open) > 0 {
		t.Errorf("response bodies left open: %v", open)
	}
}

func TestUpgradeKeepsReadWriteBody(t *testing.T) {
	// A 101 Switching Protocols response's body is the connection, an
	// io.ReadWriteCloser; attempt timeouts and Timeout must not hide it.
	a := newInstance(t, "a", func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		brw.WriteString(line)
		brw.Flush()
	})
	_, client, _ := newTransport(t, loadbalancer.FixedInstancer{a.addr},
		roundtrip.TransportRetry(loadbalancer.RetrySettings{Timeout: time.Minute, AttemptTimeout: time.Minute}))
	req, _ := http.NewRequest(http.MethodGet, "http://svc/", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "echo")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rw, ok := resp.Body.(io.ReadWriteCloser)
	if resp.StatusCode != http.StatusSwitchingProtocols || !ok {
		t.Fatalf("status %d, body %T; want 101 and an io.ReadWriteCloser", resp.StatusCode, resp.Body)
	}
	io.WriteString(rw, "ping\n")
	got := make([]byte, 5)
	if _, err := io.ReadFull(rw, got); err != nil || string(got) != "ping\n" {
		t.Errorf("echo over the upgraded connection: %q, %v", got, err)
	}
}

func TestNilInstancer(t *testing.T) {
	tr := roundtrip.NewTransport(nil)
	defer tr.Close()
	body := &closeRecorder{Reader: strings.NewReader("x")}
	req, _ := http.NewRequest(http.MethodPost, "http://svc/", body)
	if _, err := tr.RoundTrip(req); err == nil || !strings.Contains(err.Error(), "nil Instancer") {
		t.Errorf("RoundTrip on a Transport without an Instancer: err = %v, want one naming the nil Instancer", err)
	}
	if !body.closed.Load() {
		t.Error("request body not closed")
	}
}

func TestTransportClassifier(t *testing.T) {
	// A service that answers 404 while an instance warms up: the user's
	// classifier makes 404 a retryable failure.
	h := func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
	a, b, c := newInstance(t, "a", h), newInstance(t, "b", h), newInstance(t, "c", h)
	_, client, rec := newTransport(t, loadbalancer.FixedInstancer(addrs(a, b, c)),
		roundtrip.TransportRetry(loadbalancer.RetrySettings{BackoffBase: -1}),
		roundtrip.TransportClassifier(func(r *http.Response) endpoint.Outcome {
			if r.StatusCode == http.StatusNotFound {
				return endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}
			}
			return endpoint.OutcomeOfStatus(r.StatusCode)
		}))
	code, _, err := get(t, client, context.Background(), "/")
	if err != nil || code != http.StatusNotFound {
		t.Fatalf("GET: %d, %v; want the last 404", code, err)
	}
	if hits := a.hits.Load() + b.hits.Load() + c.hits.Load(); hits != 3 {
		t.Errorf("404 classified retryable: %d attempts, want 3", hits)
	}
	if open := rec.open(); len(open) > 0 {
		t.Errorf("response bodies left open: %v", open)
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	a := newInstance(t, "a", nil)
	tr := roundtrip.NewTransport(loadbalancer.FixedInstancer{a.addr})
	client := &http.Client{Transport: tr}
	if code, _, err := get(t, client, context.Background(), "/"); err != nil || code != 200 {
		t.Fatalf("GET: %d, %v", code, err)
	}
	client.CloseIdleConnections()
	tr.Close()
	tr.Close()
	if _, _, err := get(t, client, context.Background(), "/"); !errors.Is(err, loadbalancer.ErrNoEndpoints) {
		t.Errorf("GET after Close: err = %v, want ErrNoEndpoints", err)
	}
}

func TestUnsentPOSTGoesElsewhere(t *testing.T) {
	// A POST is not idempotent, but an attempt that sent nothing (the
	// connection was refused, a middleware refused it) may go to
	// another instance.
	echo := func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	}
	a, b, c := newInstance(t, "a", echo), newInstance(t, "b", echo), newInstance(t, "c", echo)
	refused := c.addr
	_, client, _ := newTransport(t, loadbalancer.FixedInstancer(addrs(a, b, c)), roundtrip.TransportNoOutlier(),
		roundtrip.TransportBalancer(func(e loadbalancer.Endpointer) loadbalancer.Balancer { return loadbalancer.NewRoundRobin(e) }),
		roundtrip.TransportRetry(loadbalancer.RetrySettings{BackoffBase: -1}),
		roundtrip.TransportInstanceMiddleware(func(instance string) endpoint.Middleware {
			return func(next endpoint.Endpoint) endpoint.Endpoint {
				return func(ctx context.Context, req any) (any, error) {
					if instance == refused {
						return nil, circuitbreaker.ErrOpen // as an open breaker would
					}
					return next(ctx, req)
				}
			}
		}))
	b.srv.Close() // connections to b are refused
	for i := range 30 {
		resp, err := client.Post("http://svc/", "text/plain", strings.NewReader("payload"))
		if err != nil {
			t.Fatalf("POST %d: %v", i, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(got) != "payload" {
			t.Fatalf("POST %d: %d %q, want 200 \"payload\"", i, resp.StatusCode, got)
		}
	}
	if a.hits.Load() != 30 || c.hits.Load() != 0 {
		t.Errorf("a served %d, c %d; want 30 and 0", a.hits.Load(), c.hits.Load())
	}

	// Without GetBody the body cannot be sent twice: no second attempt.
	var failed int
	for range 6 {
		req, _ := http.NewRequest(http.MethodPost, "http://svc/", io.NopCloser(strings.NewReader("payload")))
		resp, err := client.Do(req)
		if err != nil {
			failed++
			continue
		}
		resp.Body.Close()
	}
	if failed == 0 {
		t.Error("6 one-shot POSTs over 3 instances, 2 of them refusing: none failed, want some")
	}
}
