// Command addload drives the Add service with an open-loop load: Sum calls
// issued at a fixed rate (-rate per second, for -duration) whether or not
// earlier calls have answered, so that a stalled backend shows in the
// latency instead of slowing the load down (no coordinated omission: a
// call's latency runs from when it was due, not from when it was sent).
//
// Each call goes through the client stack of kit, built by package
// addclient from the same flags as addcli's (-transport, discovery,
// -balancer, -retry.*, -hedge.*, -breaker.*, -tls.*):
//
//	retry with a budget → hedging (with -hedge) → balancer (p2c)
//	→ endpointer following discovery → circuit breaker per instance
//	→ transport client
//
// Sum is a pure function, so every call is idempotent and may be hedged.
//
// With -out PREFIX it writes, per second since the start, PREFIX.csv
//
//	t_s,series,requests,errors,attempts,p50_ms,p99_ms,p999_ms
//
// (calls counted in the second they were due; attempts in the second they
// were sent to a server, so attempts/requests is the amplification of
// retries and backups) and PREFIX-share.csv
//
//	t_s,series,instance,share
//
// (each instance's share of the second's attempts). -series names the
// contestant in both; with -out.append, rows are added to existing files
// so that several runs can be compared in one plot. At the end it prints
// one summary line:
//
//	series=p2c requests=6000 errors=0 attempts=6012 backups=0 amplification=1.002 p50_ms=0.61 p99_ms=2.10 p999_ms=8.30
//
// It exits 0 when every call succeeded, 1 when some failed or on bad
// flags. SIGINT and SIGTERM end the load early; the files are written
// all the same.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addclient"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := load(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// load is the whole program; it returns the exit status. ctx ends the
// load early.
func load(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("addload", flag.ContinueOnError)
	stack := addclient.RegisterFlags(fs)
	var (
		rate     = fs.Float64("rate", 100, "calls per second, issued on schedule whether or not earlier calls answered")
		duration = fs.Duration("duration", 10*time.Second, "how long to issue calls")
		timeout  = fs.Duration("timeout", 2*time.Second, "deadline of each call, retries and backups included")
		out      = fs.String("out", "", "write per-second CSV to OUT.csv and OUT-share.csv (empty: none)")
		appendTo = fs.Bool("out.append", false, "add rows to existing -out files instead of replacing them")
		series   = fs.String("series", "kit", "name of this run in the CSV rows (a contestant: p2c, p2c+hedge...)")
		logLevel = fs.String("log.level", "warn", "lowest level logged to stderr: debug, info, warn or error")
	)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: addload [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 1
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "addload:", err)
		return 1
	}
	switch {
	case fs.NArg() != 0:
		return fail(fmt.Errorf("unexpected arguments %q", fs.Args()))
	case *rate <= 0 || *rate > 1e6:
		return fail(fmt.Errorf("-rate %v: want calls per second in (0, 1e6]", *rate))
	case *duration <= 0:
		return fail(fmt.Errorf("-duration %v: want > 0", *duration))
	case *timeout <= 0:
		return fail(fmt.Errorf("-timeout %v: want > 0", *timeout))
	case *series == "" || strings.ContainsAny(*series, ",\"\r\n"):
		return fail(fmt.Errorf("-series %q: want a name without commas, quotes or newlines", *series))
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
	settings, err := stack.Settings()
	if err != nil {
		return fail(err)
	}
	// The files are opened before the load, so that a bad path fails at
	// once rather than after the run.
	var files []*os.File
	if *out != "" {
		for _, name := range []string{*out + ".csv", *out + "-share.csv"} {
			flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			if *appendTo {
				flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
			}
			f, err := os.OpenFile(name, flags, 0o644)
			if err != nil {
				return fail(err)
			}
			defer f.Close()
			files = append(files, f)
		}
	}

	instancer, stopInstancer, err := addclient.NewInstancer(stack.Discovery(), logger)
	if err != nil {
		return fail(err)
	}
	defer stopInstancer.Close() // after the endpointers (defers run last in, first out)

	// Attempts are recorded once the load starts, not during the warm-up.
	var recording atomic.Pointer[recorder]
	settings.OnAttempt = func(_, instance string) {
		if rec := recording.Load(); rec != nil {
			rec.attempt(time.Now(), instance)
		}
	}
	settings.OnBackup = func(_, _ string) {
		if rec := recording.Load(); rec != nil {
			rec.backup(time.Now())
		}
	}
	svc, closer, err := addclient.New(instancer, settings, logger)
	if err != nil {
		return fail(err)
	}
	defer closer.Close()

	// Warm-up, not counted: the endpointers apply what discovery found on
	// goroutines of their own, so a call made at once could find no
	// instance yet. Wait (at most -timeout in all, then 10s) until a call
	// succeeds.
	if err := warmUp(ctx, svc, max(10*time.Second, *timeout)); err != nil {
		return fail(fmt.Errorf("no call succeeded before the load: %w", err))
	}

	// The open loop: call i is due at start + i/rate and is sent then (or
	// at once, when the loop runs late), on its own goroutine.
	start := time.Now()
	rec := newRecorder(start)
	recording.Store(rec)
	_ = level.Info(logger).Log("msg", "started", "rate", *rate, "duration", *duration, "series", *series)
	interval := time.Duration(float64(time.Second) / *rate)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var wg sync.WaitGroup
loop:
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= *duration {
			break
		}
		timer.Reset(time.Until(due))
		select {
		case <-timer.C:
		case <-ctx.Done():
			break loop
		}
		wg.Go(func() {
			a, b := rand.IntN(1000), rand.IntN(1000)
			cctx, cancel := context.WithTimeout(context.Background(), *timeout)
			v, err := svc.Sum(cctx, a, b)
			cancel()
			if err == nil && v != a+b {
				err = fmt.Errorf("sum(%d, %d) = %d", a, b, v)
			}
			if err != nil {
				_ = level.Warn(logger).Log("msg", "call failed", "err", err)
			}
			rec.call(due, time.Since(due), err != nil)
		})
	}
	wg.Wait()

	s := rec.summary()
	if len(files) == 2 {
		header := func(f *os.File) bool {
			st, err := f.Stat()
			return err != nil || st.Size() == 0
		}
		if err := rec.writeSeries(files[0], *series, header(files[0])); err != nil {
			return fail(err)
		}
		if err := rec.writeShares(files[1], *series, header(files[1])); err != nil {
			return fail(err)
		}
	}
	fmt.Fprintf(stdout, "series=%s requests=%d errors=%d attempts=%d backups=%d amplification=%.3f p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f\n",
		*series, s.requests, s.errors, s.attempts, s.backups, s.amplification(), s.p50, s.p99, s.p999)
	if s.errors > 0 {
		return 1
	}
	return 0
}

// warmUp calls svc until a call succeeds, for at most d.
func warmUp(ctx context.Context, svc addservice.Service, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		_, err := svc.Sum(ctx, 1, 2)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-tick.C:
		}
	}
}
