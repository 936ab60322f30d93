package format

import "strconv"

// This file formats the numbers of log lines: the same text as strconv,
// from shorter code paths for the common cases.

// AppendInt appends i in decimal, as strconv.AppendInt(dst, i, 10) does.
func AppendInt(dst []byte, i int64) []byte {
	u := uint64(i)
	if i < 0 {
		dst = append(dst, '-')
		u = -u // two's complement: correct for math.MinInt64 too
	}
	return AppendUint(dst, u)
}

// AppendUint appends u in decimal, as strconv.AppendUint(dst, u, 10) does.
// Single digits, common in the integer parts of floats and durations, are
// appended inline: the function is small enough for the compiler to inline.
func AppendUint(dst []byte, u uint64) []byte {
	if u < 10 {
		return append(dst, byte('0'+u))
	}
	return appendUint10(dst, u)
}

// appendUint10 appends u, which is at least 10, as AppendUint does.
func appendUint10(dst []byte, u uint64) []byte {
	if u < 100 {
		return append(dst, digitPairs[2*u], digitPairs[2*u+1])
	}
	if u < 1000 {
		r := u % 100
		return append(dst, byte('0'+u/100), digitPairs[2*r], digitPairs[2*r+1])
	}
	var buf [20]byte
	i := len(buf)
	for u >= 100 {
		q := u / 100
		r := u - 100*q
		i -= 2
		buf[i], buf[i+1] = digitPairs[2*r], digitPairs[2*r+1]
		u = q
	}
	if u >= 10 {
		i -= 2
		buf[i], buf[i+1] = digitPairs[2*u], digitPairs[2*u+1]
	} else {
		i--
		buf[i] = byte('0' + u)
	}
	return append(dst, buf[i:]...)
}

// pow10 holds the powers of ten that a float64 represents exactly, and
// pow10u the same as integers; neither is ever modified.
var (
	pow10  = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12}
	pow10u = [...]uint64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12}
)

// AppendFloat64 appends f as strconv.AppendFloat(dst, f, 'g', -1, 64) does:
// the shortest decimal that reads back as f, in %e form for decimal
// exponents below -4 or above 5 and in %f form otherwise.
//
// Most logged floats are small with few decimals (0.0125, 99.5, 3), and
// their shortest text is found directly: for the least k such that some
// integer m has m/10^k == f, the text is m with a point k digits from the
// right. For |f| in [1e-4, 1e6), the formatting %g picks is %f, and when
// f·10^k stays below 2^50, rounding f·10^k to the nearest integer finds m
// exactly: m is within 2^-3 of f·10^k, and the product's rounding error is
// below 2^-3 too. That m is then the only candidate at k (two would be at
// least 1 apart, wider than f's rounding interval scaled by 10^k), and the
// least k gives the fewest digits, which is what strconv's shortest mode
// finds. float64(m)/10^k is the correctly rounded quotient of two exact
// numbers, that is the float64 that the decimal reads back as, so testing
// it against f is exact. Anything else goes to strconv.
func AppendFloat64(dst []byte, f float64) []byte {
	a := f
	if a < 0 {
		a = -a
	}
	if a >= 1e-4 && a < 1e6 { // false for NaN and zero, which strconv spells
		// m is at least 1, so k is at least the count of zeros
		// after the point: start there.
		k0 := 0
		if a < 1 {
			k0 = 1
			if a < 0.1 {
				k0 = 2
				if a < 0.01 {
					k0 = 3
				}
			}
		}
		for k := k0; k < len(pow10); k++ {
			x := a * pow10[k]
			if x >= 1<<50 {
				break
			}
			m := uint64(int64(x + 0.5)) // x < 2^50: int64 converts faster
			if float64(int64(m))/pow10[k] != a {
				continue
			}
			if f < 0 {
				dst = append(dst, '-')
			}
			if k == 0 {
				return AppendUint(dst, m)
			}
			p := pow10u[k]
			dst = AppendUint(dst, m/p)
			// The fraction, k digits with its leading zeros; it has
			// no trailing zero, or a smaller k would have matched.
			frac := m % p
			if k <= 9 {
				return AppendNanos(dst, int(frac*pow10u[9-k]))
			}
			dst = append(dst, '.')
			var buf [16]byte
			for i := k - 1; i >= 0; i-- {
				buf[i] = byte('0' + frac%10)
				frac /= 10
			}
			return append(dst, buf[:k]...)
		}
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}
