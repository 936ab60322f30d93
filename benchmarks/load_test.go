package benchmarks

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// runLoad makes b.N calls in total from clients goroutines and reports
// throughput (req/s) and latency percentiles (p50-ns, p99-ns). Allocations
// are per call, client and server together.
//
// It uses b.N rather than b.Loop because b.Loop drives a single goroutine.
func runLoad(b *testing.B, clients int, call func() error) {
	b.Helper()
	lat := make([][]time.Duration, clients)
	for c := range lat {
		lat[c] = make([]time.Duration, 0, b.N/clients+1)
	}
	var next atomic.Int64
	var failed atomic.Value
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := call(); err != nil {
					failed.Store(err)
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(all[len(all)/2]), "p50-ns")
	b.ReportMetric(float64(all[len(all)*99/100]), "p99-ns")
	b.ReportMetric(0, "ns/op") // wall time per op is meaningless with many clients; req/s says it
}
