package circuitbreaker_test

import (
	"sync"
	"testing"

	"github.com/endpointkit/kit/internal/testenv"
	"github.com/endpointkit/kit/metrics"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// recGauge is a real, minimal Gauge that remembers every value set.
type recGauge struct {
	mu   sync.Mutex
	vals []float64
}

func (g *recGauge) With(...string) metrics.Gauge { return g }
func (g *recGauge) Set(v float64) {
	g.mu.Lock()
	g.vals = append(g.vals, v)
	g.mu.Unlock()
}
func (g *recGauge) Add(float64) {}
func (g *recGauge) last() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.vals) == 0 {
		return -1
	}
	return g.vals[len(g.vals)-1]
}
