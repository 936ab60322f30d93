package stringsvc

import (
	"context"
	"fmt"
	"time"

	"github.com/go-kit/kit/metrics"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// LoggingMiddleware logs every call with its input, output and duration.
func LoggingMiddleware(logger log.Logger) ServiceMiddleware {
	return func(next StringService) StringService { return logmw{logger, next} }
}

type logmw struct {
	logger log.Logger
	next   StringService
}

func (mw logmw) Uppercase(ctx context.Context, s string) (output string, err error) {
	defer func(begin time.Time) {
		l := level.Info(mw.logger)
		if err != nil {
			l = level.Warn(mw.logger)
		}
		_ = l.Log("method", "uppercase", "input", s, "output", output, "err", err, "took", time.Since(begin))
	}(time.Now())
	return mw.next.Uppercase(ctx, s)
}

func (mw logmw) Count(ctx context.Context, s string) (n int) {
	defer func(begin time.Time) {
		_ = level.Debug(mw.logger).Log("method", "count", "input", s, "n", n, "took", time.Since(begin))
	}(time.Now())
	return mw.next.Count(ctx, s)
}

// InstrumentingMiddleware counts calls, times them and records the counts
// returned.
func InstrumentingMiddleware(requests metrics.Counter, latency, counts metrics.Histogram) ServiceMiddleware {
	return func(next StringService) StringService { return instrmw{requests, latency, counts, next} }
}

type instrmw struct {
	requests        metrics.Counter
	latency, counts metrics.Histogram
	next            StringService
}

func (mw instrmw) Uppercase(ctx context.Context, s string) (output string, err error) {
	defer func(begin time.Time) {
		lvs := []string{"method", "uppercase", "error", fmt.Sprint(err != nil)}
		mw.requests.With(lvs...).Add(1)
		mw.latency.With(lvs...).Observe(time.Since(begin).Seconds())
	}(time.Now())
	return mw.next.Uppercase(ctx, s)
}

func (mw instrmw) Count(ctx context.Context, s string) (n int) {
	defer func(begin time.Time) {
		lvs := []string{"method", "count", "error", "false"}
		mw.requests.With(lvs...).Add(1)
		mw.latency.With(lvs...).Observe(time.Since(begin).Seconds())
		mw.counts.Observe(float64(n))
	}(time.Now())
	return mw.next.Count(ctx, s)
}
