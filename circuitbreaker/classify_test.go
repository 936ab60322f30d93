package circuitbreaker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/endpointkit/kit/circuitbreaker"
	"github.com/endpointkit/kit/endpoint"
)

// The outcomes the tests feed breakers with.
var (
	success = endpoint.Outcome{Kind: endpoint.Success}
	failure = endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}
	ignore  = endpoint.Outcome{Kind: endpoint.CallerError}
	// outcomes is indexed by the fuzz target.
	outcomes = [...]endpoint.Outcome{success, failure, ignore}
)

// TestBreakersCountKinds checks, for every Kind and every breaker, that a
// run of calls of that Kind trips the breaker exactly when the Kind is a
// failure: Success and BusinessError count as successes, DependencyFailure
// and Overloaded as failures, CallerError not at all.
func TestBreakersCountKinds(t *testing.T) {
	for _, tc := range []struct {
		kind endpoint.Kind
		trip bool
	}{
		{endpoint.Success, false},
		{endpoint.BusinessError, false},
		{endpoint.CallerError, false},
		{endpoint.DependencyFailure, true},
		{endpoint.Overloaded, true},
	} {
		o := endpoint.Outcome{Kind: tc.kind}
		t.Run(tc.kind.String(), func(t *testing.T) {
			classify := func(context.Context, any, error) endpoint.Outcome { return o }
			failing := func(context.Context, any) (any, error) { return nil, errors.New("some error") }
			for _, b := range breakers(classify) {
				e := b.mw(failing)
				for range 200 {
					e(context.Background(), nil)
				}
				_, err := e(context.Background(), nil)
				if tripped := errors.Is(err, circuitbreaker.ErrOpen); tripped != tc.trip {
					t.Errorf("%s after 200 calls classified %v: err = %v, tripped = %v, want %v", b.name, o, err, tripped, tc.trip)
				}
			}
		})
	}
}

type failerResp struct{ err error }

func (r failerResp) Failed() error { return r.err }

type namedBreaker struct {
	name string
	mw   endpoint.Middleware
}

// breakers returns one of each breaker of the package, with classify and
// a Throttle that drops every request it may.
func breakers(classify endpoint.Classifier) []namedBreaker {
	var opts []circuitbreaker.Option
	if classify != nil {
		opts = append(opts, circuitbreaker.BreakerClassifier(classify))
	}
	th := circuitbreaker.NewThrottle(circuitbreaker.ThrottleSettings{MaxReject: 2},
		append(opts, circuitbreaker.ThrottleRandom(func() float64 { return 0 }))...)
	return []namedBreaker{
		{"Breaker", circuitbreaker.NewBreaker(circuitbreaker.Settings{}, opts...).Middleware},
		{"Throttle", th.Middleware},
		{"Gobreaker", circuitbreaker.Gobreaker(gobreaker.NewCircuitBreaker[any](gobreaker.Settings{}), opts...)},
	}
}

// TestRefusalsAreOverloaded checks that what a breaker says when it
// refuses a call classifies as a retryable Overloaded refusal, also
// through Gobreaker's wrapping.
func TestRefusalsAreOverloaded(t *testing.T) {
	want := endpoint.Outcome{Kind: endpoint.Overloaded, Retryable: true}
	cb := gobreaker.NewCircuitBreaker[any](gobreaker.Settings{})
	e := circuitbreaker.Gobreaker(cb)(func(context.Context, any) (any, error) { return nil, errors.New("down") })
	for range 6 {
		e(context.Background(), nil)
	}
	_, gbErr := e(context.Background(), nil)
	for name, err := range map[string]error{
		"ErrOpen":          circuitbreaker.ErrOpen,
		"ErrThrottled":     circuitbreaker.ErrThrottled,
		"Gobreaker's open": gbErr,
	} {
		if got := endpoint.Classify(context.Background(), nil, err); got != want {
			t.Errorf("Classify(%s = %v) = %v, want %v", name, err, got, want)
		}
	}
	if !errors.Is(circuitbreaker.ErrThrottled, circuitbreaker.ErrOpen) {
		t.Error("errors.Is(ErrThrottled, ErrOpen) = false, want true")
	}
	if !errors.Is(gbErr, gobreaker.ErrOpenState) {
		t.Errorf("Gobreaker's refusal %v does not wrap gobreaker.ErrOpenState", gbErr)
	}
}

// TestBreakerHopTimeoutCounts checks that a call cut short by this hop's
// own timeout (endpoint.Timeout inside the breaker) counts as a failure,
// while the same call cut short by the caller's deadline does not.
func TestBreakerHopTimeoutCounts(t *testing.T) {
	slow := func(ctx context.Context, _ any) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	for _, b := range breakers(nil) {
		e := b.mw(endpoint.Timeout(time.Microsecond)(slow))
		for range 200 {
			e(context.Background(), nil)
		}
		if _, err := e(context.Background(), nil); !errors.Is(err, circuitbreaker.ErrOpen) {
			t.Errorf("%s after 200 hop timeouts: err = %v, want ErrOpen", b.name, err)
		}
	}
	for _, b := range breakers(nil) {
		e := b.mw(slow)
		for range 200 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Microsecond)
			e(ctx, nil)
			cancel()
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Microsecond)
		_, err := e(ctx, nil)
		cancel()
		if errors.Is(err, circuitbreaker.ErrOpen) {
			t.Errorf("%s after 200 expired caller deadlines: err = %v, want it closed", b.name, err)
		}
	}
}
