package main

import (
	"math/bits"
	"time"
)

// histogram counts latencies in log-linear buckets of microseconds, HDR
// style: exact below 32µs, then 32 buckets per power of two, so that any
// quantile read from it is within 1/32 (about 3%) of the true value, in
// fixed memory (about 3 KB) whatever the number of samples. Latencies
// above maxLatency count as maxLatency. It is not safe for concurrent use.
type histogram struct {
	n       uint64
	buckets [numBuckets]uint32
}

const (
	subBits    = 5 // 32 sub-buckets per power of two
	maxLatency = 100 * time.Second
)

// numBuckets holds every bucket up to maxLatency (1e8µs, below 2^27: its
// bucket is at most (27-5)<<5 + 63 - 32); TestBucketsContiguous checks it.
const numBuckets = 22<<subBits + 32

// bucketOf returns the bucket of v microseconds.
func bucketOf(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1 // v>>shift is in [32, 64)
	return (shift+1)<<subBits + int(v>>shift) - 1<<subBits
}

// valueOf returns the middle of bucket i, in microseconds.
func valueOf(i int) float64 {
	if i < 1<<subBits {
		return float64(i)
	}
	shift := i>>subBits - 1
	m := uint64(i - (shift+1)<<subBits + 1<<subBits)
	return float64(m<<shift) + float64(uint64(1)<<shift)/2
}

// record counts one latency.
func (h *histogram) record(d time.Duration) {
	d = min(max(d, 0), maxLatency)
	h.buckets[bucketOf(uint64(d/time.Microsecond))]++
	h.n++
}

// add adds o's counts to h.
func (h *histogram) add(o *histogram) {
	for i, c := range o.buckets {
		h.buckets[i] += c
	}
	h.n += o.n
}

// quantile returns the q-quantile (0 < q <= 1) in milliseconds, or 0
// without samples.
func (h *histogram) quantile(q float64) float64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.999999) // the ceiling, tolerant of rounding
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.buckets {
		seen += uint64(c)
		if seen >= rank {
			return valueOf(i) / 1000
		}
	}
	return valueOf(len(h.buckets)-1) / 1000
}
