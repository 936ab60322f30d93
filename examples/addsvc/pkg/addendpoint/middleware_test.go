package addendpoint_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/metrics/generic"
	"github.com/endpointkit/kit/ratelimit"
)

func TestWrapGivesEachEndpointItsOwnMiddleware(t *testing.T) {
	var methods []string
	set := addendpoint.New(addservice.New(), log.NewNopLogger()).Wrap(func(method string) endpoint.Middleware {
		methods = append(methods, method)
		allowed := true // one call per endpoint
		return ratelimit.NewErroringLimiter(ratelimit.AllowerFunc(func() bool {
			ok := allowed
			allowed = false
			return ok
		}))
	})
	if len(methods) != 2 || methods[0] != "sum" || methods[1] != "concat" {
		t.Fatalf("Wrap called mw for %v, want [sum concat]", methods)
	}
	ctx := context.Background()
	if v, err := set.Sum(ctx, 1, 2); v != 3 || err != nil {
		t.Errorf("first Sum = %d, %v; want 3", v, err)
	}
	if _, err := set.Sum(ctx, 1, 2); !errors.Is(err, ratelimit.ErrLimited) {
		t.Errorf("second Sum: err = %v, want ErrLimited", err)
	}
	if v, err := set.Concat(ctx, "a", "b"); v != "ab" || err != nil {
		t.Errorf("first Concat = %q, %v; want ab (its limiter is its own)", v, err)
	}
}

func TestInstrumenting(t *testing.T) {
	requests := generic.NewCounter("requests")
	duration := generic.NewHistogram("duration")
	refuse := false
	set := addendpoint.New(addservice.New(), log.NewNopLogger()).
		Wrap(func(string) endpoint.Middleware {
			return ratelimit.NewErroringLimiter(ratelimit.AllowerFunc(func() bool { return !refuse }))
		}).
		Wrap(func(method string) endpoint.Middleware {
			return addendpoint.Instrumenting(requests, duration, method)
		})
	ctx := context.Background()
	_, _ = set.Sum(ctx, 1, 2)
	_, _ = set.Sum(ctx, 1<<62, 1<<62) // a business error: the endpoint worked
	refuse = true
	_, _ = set.Sum(ctx, 1, 2)
	_, _ = set.Concat(ctx, "a", "b")

	for _, tc := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"method", "sum", "success", "true"}, 2},
		{[]string{"method", "sum", "success", "false"}, 1},
		{[]string{"method", "concat", "success", "false"}, 1},
		{[]string{"method", "concat", "success", "true"}, 0},
	} {
		if got := requests.With(tc.labels...).(*generic.Counter).Value(); got != tc.want {
			t.Errorf("requests%v = %v, want %v", tc.labels, got, tc.want)
		}
		if got := duration.With(tc.labels...).(*generic.Histogram).Count(); float64(got) != tc.want {
			t.Errorf("duration%v count = %d, want %v", tc.labels, got, tc.want)
		}
	}
}

// TestLoggingNamesOnlyWhatWentWrong checks that a successful call's line has
// neither "failed" nor "err" (it used to log failed=null err=null), and that
// a business error and a transport error each log their own key.
func TestLoggingNamesOnlyWhatWentWrong(t *testing.T) {
	var buf bytes.Buffer
	logger := log.NewLogfmtLogger(&buf)
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		e    endpoint.Endpoint
		want []string
		not  []string
	}{
		{"success", func(context.Context, any) (any, error) { return addendpoint.SumResponse{V: 3}, nil },
			[]string{"method=sum", "took="}, []string{"failed", "err", "null"}},
		{"business error", func(context.Context, any) (any, error) {
			return addendpoint.SumResponse{Err: addservice.ErrIntOverflow}, nil
		}, []string{"method=sum", `failed="integer overflow"`}, []string{"err="}},
		{"transport error", func(context.Context, any) (any, error) { return nil, boom },
			[]string{"method=sum", "err=boom"}, []string{"failed"}},
	} {
		buf.Reset()
		_, _ = addendpoint.Logging(logger, "sum")(tc.e)(context.Background(), addendpoint.SumRequest{})
		line := buf.String()
		for _, w := range tc.want {
			if !strings.Contains(line, w) {
				t.Errorf("%s: line %q lacks %q", tc.name, line, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(line, n) {
				t.Errorf("%s: line %q has %q", tc.name, line, n)
			}
		}
	}
}
