package format

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"sync/atomic"
	"time"
)

// AppendRFC3339Nano appends t as t.AppendFormat(dst, time.RFC3339Nano) does,
// in a fraction of the time: timestamps are on every line. Times before
// March of year 0 or after 9999, and zones whose offset has seconds or
// exceeds a day, take the standard library's path.
func AppendRFC3339Nano(dst []byte, t time.Time) []byte {
	var s stamp
	if !s.set(t) {
		return t.AppendFormat(dst, time.RFC3339Nano)
	}
	return s.append(dst, t.Nanosecond())
}

// stamp is the text of RFC 3339 time at one second in one location, but
// for the fraction of the second: the date and clock, and the zone.
type stamp struct {
	sec  int64 // Unix time
	loc  *time.Location
	date [19]byte // 2006-01-02T15:04:05
	zone [6]byte  // Z or -07:00
	zlen uint8
}

// set fills s for the second of t, reading the zone once and computing the
// date from the local second count. It reports false, leaving s unusable,
// for times and zones that only the standard library formats.
func (s *stamp) set(t time.Time) bool {
	_, offset := t.Zone()
	secs := t.Unix() + int64(offset)
	const (
		minSecs = -62162035200 // 0000-03-01T00:00:00
		maxSecs = 253402300799 // 9999-12-31T23:59:59
	)
	if secs < minSecs || secs > maxSecs || offset%60 != 0 || offset <= -86400 || offset >= 86400 {
		return false
	}
	s.sec, s.loc = t.Unix(), t.Location()
	// Days since 0000-03-01, a non-negative count, then the civil date in
	// a calendar whose years start in March, which puts the leap day last.
	// Unsigned arithmetic keeps the divisions by constants cheap.
	since := uint64(secs - minSecs)
	days, clock := since/86400, since%86400
	era := days / 146097
	doe := days % 146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	year := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	if month > 12 {
		month -= 12
		year++
	}
	hh, mm, ss := clock/3600, clock/60%60, clock%60
	y1, y2 := year/100%100, year%100
	s.date = [19]byte{
		digitPairs[2*y1], digitPairs[2*y1+1], digitPairs[2*y2], digitPairs[2*y2+1], '-',
		digitPairs[2*month], digitPairs[2*month+1], '-',
		digitPairs[2*day], digitPairs[2*day+1], 'T',
		digitPairs[2*hh], digitPairs[2*hh+1], ':',
		digitPairs[2*mm], digitPairs[2*mm+1], ':',
		digitPairs[2*ss], digitPairs[2*ss+1],
	}
	if offset == 0 {
		s.zone[0], s.zlen = 'Z', 1
		return true
	}
	sign := byte('+')
	if offset < 0 {
		sign, offset = '-', -offset
	}
	h, m := offset/3600, offset/60%60
	s.zone = [6]byte{sign, digitPairs[2*h], digitPairs[2*h+1], ':', digitPairs[2*m], digitPairs[2*m+1]}
	s.zlen = 6
	return true
}

// append appends the text of the time ns nanoseconds into s's second. It
// makes room once, and copies the date and zone as arrays, which the
// compiler does inline: a timestamp is on every line.
func (s *stamp) append(dst []byte, ns int) []byte {
	const most = len(s.date) + len(".999999999") + len(s.zone)
	n := len(dst)
	if cap(dst)-n < most {
		dst = slices.Grow(dst, most)
	}
	dst = dst[:n+len(s.date)]
	*(*[len(s.date)]byte)(dst[n:]) = s.date
	if ns != 0 {
		dst = AppendNanos(dst, ns) // within the room made
	}
	// All six bytes of the zone are copied, and those past zlen cut.
	n = len(dst)
	*(*[len(s.zone)]byte)(dst[n : n+len(s.zone)]) = s.zone
	return dst[:n+int(s.zlen)]
}

// StampCache holds the stamp of the second last formatted, so that the
// lines of one second compute their date and zone once: only the fraction
// changes from line to line. It is safe for concurrent use; racing misses
// each build a stamp and the last stored wins, which costs only time. The
// zone's offset is a function of the instant and the location, so a stamp
// is reused only for the same Unix second and the same *time.Location.
type StampCache struct{ last atomic.Pointer[stamp] }

// AppendRFC3339Nano appends t as the package's AppendRFC3339Nano does.
func (c *StampCache) AppendRFC3339Nano(dst []byte, t time.Time) []byte {
	s := c.last.Load()
	if s == nil || s.sec != t.Unix() || s.loc != t.Location() {
		s = new(stamp)
		if !s.set(t) {
			return t.AppendFormat(dst, time.RFC3339Nano)
		}
		c.last.Store(s)
	}
	return s.append(dst, t.Nanosecond())
}

// AppendNanos appends '.' and the nine digits of ns, a count of
// nanoseconds below a second, without their trailing zeros; ns is not 0.
//
// The last eight digits are computed in one word, a digit per byte, by
// splitting the number in halves, quarters and digits with multiplications
// by reciprocals (exact for these ranges) in all lanes at once.
func AppendNanos(dst []byte, nanos int) []byte {
	ns := uint64(nanos)
	first, lo8 := ns/100000000, ns%100000000
	x := lo8/10000 | lo8%10000<<32 // two lanes of four digits, high half first
	q := (x * 10486 >> 20) & 0x0000007f0000007f
	x = q | (x-q*100)<<16 // four lanes of two digits
	q = (x * 103 >> 10) & 0x000f000f000f000f
	x = q | (x-q*10)<<8 // eight digits, the first in the low byte
	// All eight digits are appended, then those that are trailing zeros,
	// the high zero bytes of x, cut.
	n := len(dst) + 2
	if x != 0 {
		n += 8 - bits.LeadingZeros64(x)/8
	}
	dst = append(dst, '.', byte('0'+first))
	return binary.LittleEndian.AppendUint64(dst, x|0x3030303030303030)[:n]
}

// digitPairs holds the two digits of each number below 100.
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// AppendDuration appends d as time.Duration.String spells it ("1.5s",
// "1h2m0s", "250µs"), without the allocation String makes.
func AppendDuration(dst []byte, d time.Duration) []byte {
	u := uint64(d)
	if d < 0 {
		dst = append(dst, '-')
		u = -u // two's complement: correct for math.MinInt64 too
	}
	if u < uint64(time.Second) {
		switch {
		case u == 0:
			return append(dst, "0s"...)
		case u < uint64(time.Microsecond):
			return append(AppendUint(dst, u), "ns"...)
		case u < uint64(time.Millisecond):
			return append(appendFraction(dst, u, 3), "µs"...)
		default:
			return append(appendFraction(dst, u, 6), "ms"...)
		}
	}
	secs := u / uint64(time.Second)
	if secs < 60 {
		dst = AppendUint(dst, secs)
		if ns := u % uint64(time.Second); ns != 0 {
			dst = AppendNanos(dst, int(ns))
		}
		return append(dst, 's')
	}
	if h := secs / 3600; h > 0 {
		dst = append(AppendUint(dst, h), 'h')
		dst = append(AppendUint(dst, secs/60%60), 'm')
	} else if m := secs / 60; m > 0 {
		dst = append(AppendUint(dst, m), 'm')
	}
	return append(appendFraction(dst, secs%60*uint64(time.Second)+u%uint64(time.Second), 9), 's')
}

// appendFraction appends v / 10^digits as a decimal with trailing zeros of
// the fraction (and a bare trailing point) removed; digits is 3, 6 or 9.
func appendFraction(dst []byte, v uint64, digits int) []byte {
	pow := uint64(1000)
	switch digits {
	case 6:
		pow = 1000000
	case 9:
		pow = 1000000000
	}
	dst = AppendUint(dst, v/pow)
	frac := v % pow
	if frac == 0 {
		return dst
	}
	// The fraction scaled to nanoseconds has the same digits, padded.
	return AppendNanos(dst, int(frac*(1000000000/pow)))
}
