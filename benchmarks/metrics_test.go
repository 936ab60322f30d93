package benchmarks

import (
	"expvar"
	"testing"

	gokitprom "github.com/go-kit/kit/metrics/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/dogstatsd"
	kitexpvar "github.com/endpointkit/kit/metrics/expvar"
	"github.com/endpointkit/kit/metrics/generic"
	"github.com/endpointkit/kit/metrics/graphite"
	kitprom "github.com/endpointkit/kit/metrics/prometheus"
	"github.com/endpointkit/kit/metrics/statsd"
)

// The workload: the updates a metrics middleware makes per request, on one
// label ("method"), with the label set already seen. Each Prometheus
// contestant records into its own registry:
//
//   - raw: client_golang itself, cv.WithLabelValues("sum").Inc();
//   - gokit: Go kit's adapter, c.With("method", "sum").Add(1);
//   - kit: kit's adapter, the same call.
//
// bind=call finds the child on every update; bind=once finds it before the
// loop. par=1 runs the loop on every P at once (b.RunParallel).

type promSet struct {
	reg *prometheus.Registry
	cv  *prometheus.CounterVec
	gv  *prometheus.GaugeVec
	hv  *prometheus.HistogramVec
}

func newPromSet() promSet {
	s := promSet{
		reg: prometheus.NewRegistry(),
		cv:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "requests_total", Help: "h"}, []string{"method"}),
		gv:  prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "in_flight", Help: "h"}, []string{"method"}),
		hv:  prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "latency_seconds", Help: "h"}, []string{"method"}),
	}
	s.reg.MustRegister(s.cv, s.gv, s.hv)
	return s
}

var labelNames = []string{"method"}

// promUpdates returns, per op and bind, the update each contestant makes.
func promUpdates(impl string, s promSet) map[string]func() {
	switch impl {
	case "raw":
		c, g, h := s.cv.WithLabelValues("sum"), s.gv.WithLabelValues("sum"), s.hv.WithLabelValues("sum")
		return map[string]func(){
			"op=counter/bind=call":   func() { s.cv.WithLabelValues("sum").Inc() },
			"op=gauge/bind=call":     func() { s.gv.WithLabelValues("sum").Set(3) },
			"op=histogram/bind=call": func() { s.hv.WithLabelValues("sum").Observe(0.25) },
			"op=counter/bind=once":   func() { c.Inc() },
			"op=gauge/bind=once":     func() { g.Set(3) },
			"op=histogram/bind=once": func() { h.Observe(0.25) },
		}
	case "gokit":
		c, g, h := gokitprom.NewCounter(s.cv), gokitprom.NewGauge(s.gv), gokitprom.NewHistogram(s.hv)
		cb, gb, hb := c.With("method", "sum"), g.With("method", "sum"), h.With("method", "sum")
		return map[string]func(){
			"op=counter/bind=call":   func() { c.With("method", "sum").Add(1) },
			"op=gauge/bind=call":     func() { g.With("method", "sum").Set(3) },
			"op=histogram/bind=call": func() { h.With("method", "sum").Observe(0.25) },
			"op=counter/bind=once":   func() { cb.Add(1) },
			"op=gauge/bind=once":     func() { gb.Set(3) },
			"op=histogram/bind=once": func() { hb.Observe(0.25) },
		}
	default: // kit
		c, g, h := kitprom.NewCounter(s.cv, labelNames), kitprom.NewGauge(s.gv, labelNames), kitprom.NewHistogram(s.hv, labelNames)
		cb, gb, hb := c.With("method", "sum"), g.With("method", "sum"), h.With("method", "sum")
		return map[string]func(){
			"op=counter/bind=call":   func() { c.With("method", "sum").Add(1) },
			"op=gauge/bind=call":     func() { g.With("method", "sum").Set(3) },
			"op=histogram/bind=call": func() { h.With("method", "sum").Observe(0.25) },
			"op=counter/bind=once":   func() { cb.Add(1) },
			"op=gauge/bind=once":     func() { gb.Set(3) },
			"op=histogram/bind=once": func() { hb.Observe(0.25) },
		}
	}
}

var promImpls = []string{"raw", "gokit", "kit"}

var promOps = []string{
	"op=counter/bind=call", "op=gauge/bind=call", "op=histogram/bind=call",
	"op=counter/bind=once", "op=gauge/bind=once", "op=histogram/bind=once",
}

func run(b *testing.B, f func()) {
	b.Run("par=0", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f()
		}
	})
	b.Run("par=1", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				f()
			}
		})
	})
}

func BenchmarkPrometheus(b *testing.B) {
	for _, op := range promOps {
		b.Run(op, func(b *testing.B) {
			for _, impl := range promImpls {
				f := promUpdates(impl, newPromSet())[op]
				b.Run("impl="+impl, func(b *testing.B) { run(b, f) })
			}
		})
	}
}

// TestPrometheusContestantsAgree checks that every contestant's updates
// reach client_golang the same way: same counter total, gauge value and
// histogram count.
func TestPrometheusContestantsAgree(t *testing.T) {
	for _, impl := range promImpls {
		s := newPromSet()
		u := promUpdates(impl, s)
		for _, op := range promOps {
			for range 10 {
				u[op]()
			}
		}
		var c, g, h dto.Metric
		_ = s.cv.WithLabelValues("sum").Write(&c)
		_ = s.gv.WithLabelValues("sum").Write(&g)
		_ = s.hv.WithLabelValues("sum").(prometheus.Metric).Write(&h)
		if c.GetCounter().GetValue() != 20 || g.GetGauge().GetValue() != 3 || h.GetHistogram().GetSampleCount() != 20 {
			t.Errorf("impl=%s: counter %v, gauge %v, histogram count %v; want 20, 3, 20", impl,
				c.GetCounter().GetValue(), g.GetGauge().GetValue(), h.GetHistogram().GetSampleCount())
		}
	}
}

// holder hides a counter behind the metrics.Counter interface where the
// compiler cannot see its concrete type, as a middleware holding one does.
type holder struct{ c metrics.Counter }

//go:noinline
func (h *holder) inc() { h.c.With("method", "sum").Add(1) }

// BenchmarkKitBackends measures kit's other backends on the same update,
// label bound per call. impl=kit-prom-iface is kit's Prometheus counter
// reached through an opaque metrics.Counter: the variadic label slice then
// escapes to the heap (one 32-byte allocation), whatever the backend does.
func BenchmarkKitBackends(b *testing.B) {
	sd, _ := statsd.New("", statsd.Settings{})
	dd, _ := dogstatsd.New("", dogstatsd.Settings{})
	gr, _ := graphite.New("", graphite.Settings{})
	sdc, _ := sd.NewCounter("requests", 1)
	ddc, _ := dd.NewCounter("requests", 1)
	grc, _ := gr.NewCounter("requests")
	evc, _ := kitexpvar.NewCounter(new(expvar.Map), "requests")
	gen := generic.NewCounter("requests")
	genh := generic.NewHistogram("latency")
	sdh, _ := sd.NewTiming("latency", 1)
	iface := &holder{kitprom.NewCounter(newPromSet().cv, labelNames)}
	contestants := []struct {
		name string
		f    func()
	}{
		{"op=counter/impl=generic", func() { gen.With("method", "sum").Add(1) }},
		{"op=counter/impl=statsd", func() { sdc.With("method", "sum").Add(1) }},
		{"op=counter/impl=dogstatsd", func() { ddc.With("method", "sum").Add(1) }},
		{"op=counter/impl=graphite", func() { grc.With("method", "sum").Add(1) }},
		{"op=counter/impl=expvar", func() { evc.With("method", "sum").Add(1) }},
		{"op=counter/impl=kit-prom-iface", iface.inc},
		{"op=histogram/impl=generic", func() { genh.With("method", "sum").Observe(0.25) }},
	}
	for _, c := range contestants {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.f()
			}
		})
	}
	// The StatsD timing keeps each observation until a flush; flush every
	// 4096 so the buffer stays in steady state, as the emitter's loop does.
	b.Run("op=histogram/impl=statsd", func(b *testing.B) {
		h := sdh.With("method", "sum")
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			h.Observe(0.25)
			if i%4096 == 4095 {
				b.StopTimer()
				_, _ = sd.WriteTo(discard{})
				b.StartTimer()
			}
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
