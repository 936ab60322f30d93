package statsdwire_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/metrics/internal/statsdtest"
	"github.com/endpointkit/kit/metrics/internal/statsdwire"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func newEngine(t *testing.T, maxBuffered int) *statsdwire.Engine {
	t.Helper()
	e, err := statsdwire.New("", statsdwire.Config{
		Name:                    "test",
		MaxBufferedObservations: maxBuffered,
		Format: func(name string, lvs []string) (string, string) {
			return strings.Join(append([]string{name}, lvs...), "."), ""
		},
		ValidName: func(name string) bool { return name != "" },
		Errors: statsdwire.Errors{
			InvalidName: errors.New("test: name"), InvalidSampleRate: errors.New("test: rate"), Duplicate: errors.New("test: dup"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// stallWriter blocks its first Write until release is closed, as a socket
// stuck for a whole flush would.
type stallWriter struct {
	entered, release chan struct{}
	once             sync.Once
	rec              *statsdtest.Recorder
}

func (w *stallWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.entered) })
	<-w.release
	return w.rec.Write(p)
}

func lines(tot statsdtest.Totals) int {
	n := 0
	for _, vs := range tot.Timers {
		n += len(vs)
	}
	return n
}

// TestBufferedBoundedWhileFlushStalls floods histograms while a flush is
// stuck in Write and checks that the observations held never exceed the
// bound, that every one past it is counted as dropped, and that none is
// lost unaccounted.
func TestBufferedBoundedWhileFlushStalls(t *testing.T) {
	const (
		bound   = 1000
		before  = 10
		workers = 4
		each    = 5000
	)
	e := newEngine(t, bound)
	h, err := e.NewHistogram("latency", "ms", 1)
	if err != nil {
		t.Fatal(err)
	}
	for range before {
		h.Observe(1)
	}

	w := &stallWriter{entered: make(chan struct{}), release: make(chan struct{}), rec: statsdtest.NewRecorder()}
	flushed := make(chan error, 1)
	go func() { _, err := e.WriteTo(w); flushed <- err }()
	<-w.entered // the flush holds its observations and waits on the socket

	var wg sync.WaitGroup
	var over sync.Once
	maxSeen := make(chan int, 1)
	for i := range workers {
		wg.Go(func() {
			c := h.With("worker", fmt.Sprint(i))
			for range each {
				c.Observe(2)
				if n := e.Buffered(); n > bound {
					over.Do(func() { maxSeen <- n })
				}
			}
		})
	}
	wg.Wait()
	select {
	case n := <-maxSeen:
		t.Fatalf("Buffered() = %d during the flood, bound %d", n, bound)
	default:
	}
	if got := e.Buffered(); got != bound {
		t.Errorf("Buffered() after the flood = %d, want the bound %d", got, bound)
	}
	if got, want := e.DroppedObservations(), uint64(workers*each-bound); got != want {
		t.Errorf("DroppedObservations() = %d, want %d", got, want)
	}

	close(w.release)
	if err := <-flushed; err != nil {
		t.Fatalf("stalled WriteTo: %v", err)
	}
	if got := lines(w.rec.Totals()); got != before {
		t.Errorf("stalled flush sent %d lines, want the %d it had taken", got, before)
	}
	rec := statsdtest.NewRecorder()
	if _, err := e.WriteTo(rec); err != nil {
		t.Fatal(err)
	}
	if got := lines(rec.Totals()); got != bound {
		t.Errorf("next flush sent %d lines, want %d", got, bound)
	}
	if got := e.Buffered(); got != 0 {
		t.Errorf("Buffered() after the flush = %d, want 0", got)
	}
	// After a flush there is room again.
	h.Observe(3)
	if got := e.Buffered(); got != 1 {
		t.Errorf("Buffered() after one more Observe = %d, want 1", got)
	}
}

func TestDefaultBound(t *testing.T) {
	e := newEngine(t, 0)
	h, _ := e.NewHistogram("latency", "ms", 1)
	for range statsdwire.DefaultMaxBufferedObservations + 100 {
		h.Observe(1)
	}
	if got := e.Buffered(); got != statsdwire.DefaultMaxBufferedObservations {
		t.Errorf("Buffered() = %d, want %d", got, statsdwire.DefaultMaxBufferedObservations)
	}
	if got := e.DroppedObservations(); got != 100 {
		t.Errorf("DroppedObservations() = %d, want 100", got)
	}
}

// TestObserveDoesNotAllocate checks the update path in steady state (two
// flushes have sized both buffers a histogram swaps) and when full.
func TestObserveDoesNotAllocate(t *testing.T) {
	const bound = 1000
	e := newEngine(t, bound)
	h, _ := e.NewHistogram("latency", "ms", 1)
	for range 2 {
		for range 300 {
			h.Observe(1)
		}
		_, _ = e.WriteTo(discard{})
	}
	if a := testing.AllocsPerRun(200, func() { h.Observe(1) }); a != 0 {
		t.Errorf("steady: %v allocations per Observe, want 0", a)
	}
	for e.Buffered() < bound {
		h.Observe(1)
	}
	before := e.DroppedObservations()
	if a := testing.AllocsPerRun(200, func() { h.Observe(1) }); a != 0 {
		t.Errorf("full: %v allocations per Observe, want 0", a)
	}
	if got := e.DroppedObservations() - before; got != 201 {
		t.Errorf("full: %d observations dropped, want 201", got)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
