package log

import "time"

// appendRFC3339Nano appends t as t.AppendFormat(dst, time.RFC3339Nano) does,
// in a fraction of the time: timestamps are on every line. It reads the
// zone once and computes the date from the local second count; times before
// March of year 0 or after 9999, and zones whose offset has seconds or
// exceeds a day, take the standard library's path.
func appendRFC3339Nano(dst []byte, t time.Time) []byte {
	_, offset := t.Zone()
	secs := t.Unix() + int64(offset)
	const (
		minSecs = -62162035200 // 0000-03-01T00:00:00
		maxSecs = 253402300799 // 9999-12-31T23:59:59
	)
	if secs < minSecs || secs > maxSecs || offset%60 != 0 || offset <= -86400 || offset >= 86400 {
		return t.AppendFormat(dst, time.RFC3339Nano)
	}
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
	b := [19]byte{
		digitPairs[2*y1], digitPairs[2*y1+1], digitPairs[2*y2], digitPairs[2*y2+1], '-',
		digitPairs[2*month], digitPairs[2*month+1], '-',
		digitPairs[2*day], digitPairs[2*day+1], 'T',
		digitPairs[2*hh], digitPairs[2*hh+1], ':',
		digitPairs[2*mm], digitPairs[2*mm+1], ':',
		digitPairs[2*ss], digitPairs[2*ss+1],
	}
	dst = append(dst, b[:]...)
	if ns := t.Nanosecond(); ns != 0 {
		dst = appendNanos(dst, ns)
	}
	if offset == 0 {
		return append(dst, 'Z')
	}
	sign := byte('+')
	if offset < 0 {
		sign, offset = '-', -offset
	}
	h, m := offset/3600, offset/60%60
	return append(dst, sign, digitPairs[2*h], digitPairs[2*h+1], ':', digitPairs[2*m], digitPairs[2*m+1])
}

// appendNanos appends '.' and the nine digits of ns, a count of
// nanoseconds below a second, without their trailing zeros; ns is not 0.
func appendNanos(dst []byte, nanos int) []byte {
	ns := uint64(nanos) % 1000000000
	lo4, hi4 := ns%10000, ns/10000%10000
	frac := [10]byte{'.', byte('0' + ns/100000000),
		digitPairs[2*(hi4/100)], digitPairs[2*(hi4/100)+1], digitPairs[2*(hi4%100)], digitPairs[2*(hi4%100)+1],
		digitPairs[2*(lo4/100)], digitPairs[2*(lo4/100)+1], digitPairs[2*(lo4%100)], digitPairs[2*(lo4%100)+1]}
	n := len(frac)
	for frac[n-1] == '0' {
		n--
	}
	return append(dst, frac[:n]...)
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
