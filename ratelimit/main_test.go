package ratelimit_test

import (
	"sync"
	"testing"

	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/metrics"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// recGauge is a real, minimal Gauge that keeps its current value.
type recGauge struct {
	mu sync.Mutex
	v  float64
}

func (g *recGauge) With(...string) metrics.Gauge { return g }
func (g *recGauge) Set(v float64)                { g.mu.Lock(); g.v = v; g.mu.Unlock() }
func (g *recGauge) Add(d float64)                { g.mu.Lock(); g.v += d; g.mu.Unlock() }
func (g *recGauge) value() float64               { g.mu.Lock(); defer g.mu.Unlock(); return g.v }
