package statsdwire

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/internal/lv"
)

// This file holds the instruments an Engine makes: each registers a
// function that adds its pending lines to a flush.

// Counter sums deltas between flushes.
type Counter struct {
	lvs         []string
	key, suffix string
	rate        float64
	bits        atomic.Uint64
	fam         *lv.Family[Counter]
}

// NewCounter registers a counter; lines have type "c".
func (e *Engine) NewCounter(name string, rate float64) (*Counter, error) {
	var fam *lv.Family[Counter]
	fam = lv.New(func(lvs []string) *Counter {
		key, suffix := e.cfg.Format(e.cfg.Prefix+name, lvs)
		return &Counter{lvs: lvs, key: key, suffix: suffix, rate: rate, fam: fam}
	})
	err := e.register(name, rate, func(p *packer) {
		fam.Each(func(_ []string, c *Counter) {
			if v := math.Float64frombits(c.bits.Swap(0)); v != 0 {
				p.line(c.key, v, "c", c.rate, c.suffix)
			}
		})
	})
	if err != nil {
		return nil, err
	}
	return fam.Get(nil, nil), nil
}

// With returns the child for c's labels followed by labelValues.
func (c *Counter) With(labelValues ...string) metrics.Counter { return c.fam.Get(c.lvs, labelValues) }

// Add adds delta, subject to the sample rate; NaN, ±Inf and negative deltas
// are dropped.
func (c *Counter) Add(delta float64) {
	if !(delta >= 0 && delta <= math.MaxFloat64) || c.rate < 1 && !sampled(c.rate) {
		return
	}
	addFloat(&c.bits, delta)
}

func addFloat(bits *atomic.Uint64, delta float64) {
	for {
		old := bits.Load()
		if bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+delta)) {
			return
		}
	}
}

// Gauge keeps its last value and sends it if it changed since the last
// flush.
type Gauge struct {
	lvs         []string
	key, suffix string
	bits        atomic.Uint64
	dirty       atomic.Bool
	fam         *lv.Family[Gauge]
}

// NewGauge registers a gauge; lines have type "g".
func (e *Engine) NewGauge(name string) (*Gauge, error) {
	var fam *lv.Family[Gauge]
	fam = lv.New(func(lvs []string) *Gauge {
		key, suffix := e.cfg.Format(e.cfg.Prefix+name, lvs)
		return &Gauge{lvs: lvs, key: key, suffix: suffix, fam: fam}
	})
	err := e.register(name, 1, func(p *packer) {
		fam.Each(func(_ []string, g *Gauge) {
			if !g.dirty.Swap(false) {
				return
			}
			v := math.Float64frombits(g.bits.Load())
			if v < 0 {
				// A signed value is a delta to StatsD; a negative
				// absolute value must be sent as zero, then the delta.
				p.line(g.key, 0, "g", 1, g.suffix)
			}
			p.line(g.key, v, "g", 1, g.suffix)
		})
	})
	if err != nil {
		return nil, err
	}
	return fam.Get(nil, nil), nil
}

// With returns the child for g's labels followed by labelValues.
func (g *Gauge) With(labelValues ...string) metrics.Gauge { return g.fam.Get(g.lvs, labelValues) }

// Set sets the value; NaN and ±Inf are dropped.
func (g *Gauge) Set(value float64) {
	if metrics.Valid(value) {
		g.bits.Store(math.Float64bits(value))
		g.dirty.Store(true)
	}
}

// Add adds delta to the value; NaN and ±Inf are dropped.
func (g *Gauge) Add(delta float64) {
	if metrics.Valid(delta) {
		addFloat(&g.bits, delta)
		g.dirty.Store(true)
	}
}

// Histogram keeps sampled observations until the next flush.
type Histogram struct {
	lvs         []string
	key, suffix string
	typ         string
	rate        float64
	mu          sync.Mutex // guards obs
	obs         []float64
	spare       []float64 // reused by flush, so steady state does not allocate
	e           *Engine
	fam         *lv.Family[Histogram]
}

// NewHistogram registers a histogram whose lines have type typ ("ms", "h",
// "d").
func (e *Engine) NewHistogram(name, typ string, rate float64) (*Histogram, error) {
	var fam *lv.Family[Histogram]
	fam = lv.New(func(lvs []string) *Histogram {
		key, suffix := e.cfg.Format(e.cfg.Prefix+name, lvs)
		return &Histogram{lvs: lvs, key: key, suffix: suffix, typ: typ, rate: rate, e: e, fam: fam}
	})
	err := e.register(name, rate, func(p *packer) {
		fam.Each(func(_ []string, h *Histogram) {
			h.mu.Lock()
			obs := h.obs
			h.obs, h.spare = h.spare[:0], nil
			h.mu.Unlock()
			// The places are free as soon as the slice is taken: what
			// is held for the next flush starts from zero again.
			e.buffered.Add(-int64(len(obs)))
			for _, v := range obs {
				p.line(h.key, v, h.typ, h.rate, h.suffix)
			}
			// Keep the slice for reuse unless a burst left it much
			// larger than this flush needed, so that a spike does not
			// pin its memory for good.
			if cap(obs) > 4*len(obs)+64 {
				obs = nil
			}
			h.mu.Lock()
			if h.spare == nil {
				h.spare = obs[:0]
			}
			h.mu.Unlock()
		})
	})
	if err != nil {
		return nil, err
	}
	return fam.Get(nil, nil), nil
}

// With returns the child for h's labels followed by labelValues.
func (h *Histogram) With(labelValues ...string) metrics.Histogram {
	return h.fam.Get(h.lvs, labelValues)
}

// Observe records value, subject to the sample rate; NaN and ±Inf are
// dropped. When MaxBufferedObservations are held it drops value and counts
// it; when half are, it asks the flushing goroutine (if any) for an early
// flush, without waiting for it.
func (h *Histogram) Observe(value float64) {
	if !metrics.Valid(value) || h.rate < 1 && !sampled(h.rate) {
		return
	}
	e := h.e
	// Reserve a place with a compare-and-swap rather than an add that is
	// undone, so that Buffered never reads above the bound.
	n := e.buffered.Load()
	for {
		if n >= e.maxBuffered {
			e.droppedObs.Add(1)
			return
		}
		if e.buffered.CompareAndSwap(n, n+1) {
			n++
			break
		}
		n = e.buffered.Load()
	}
	if n > e.maxBuffered/2 {
		// Cheap when the request is already pending: a non-blocking
		// send on a full channel takes no lock.
		select {
		case e.kick <- struct{}{}:
		default: // a flush is already asked for, or there is no loop
		}
	}
	h.mu.Lock()
	h.obs = append(h.obs, value)
	h.mu.Unlock()
}
