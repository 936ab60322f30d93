package log

import "time"

// preEncoded is a run of bound pairs whose keys and values cannot change,
// encoded once when a context is built rather than on every Log call. It
// takes the place of the run's first key in the keyvals a context passes
// straight to its encoder (never to other Loggers), followed by a nil in
// place of a value; the encoder copies b.
//
// A run may end with the key of a pair whose value is a nowValue (a default
// timestamp), set in now: the encoder appends the current time after b,
// then after, the run of constant pairs that follows, if any, with its
// separator.
type preEncoded struct {
	b     []byte
	now   *nowValue
	after []byte
}

// appendTo appends the run's text, with the current time if it has one.
func (p *preEncoded) appendTo(dst []byte) []byte {
	dst = append(dst, p.b...)
	if p.now != nil {
		dst = p.now.appendNow(dst)
		dst = append(dst, p.after...)
	}
	return dst
}

// preEncode returns keyvals with each run of constant pairs replaced by one
// preEncoded pair, encoded in JSON or logfmt. It returns keyvals itself
// when there is nothing to gain.
func preEncode(keyvals []any, json bool) []any {
	constant := 0
	for i := 0; i+1 < len(keyvals); i += 2 {
		if _, now := keyvals[i+1].(*nowValue); isConstant(keyvals[i]) && (now || isConstant(keyvals[i+1])) {
			constant++
		}
	}
	if constant == 0 {
		return keyvals
	}
	out := make([]any, 0, len(keyvals))
	var run []byte
	flush := func() {
		if run != nil {
			out = append(out, &preEncoded{b: run}, nil)
			run = nil
		}
	}
	for i := 0; i+1 < len(keyvals); i += 2 {
		k, v := keyvals[i], keyvals[i+1]
		if now, ok := v.(*nowValue); ok && isConstant(k) {
			// The key joins the run, which ends with the time.
			if !json {
				if run != nil {
					run = append(run, ' ')
				}
				run = append(appendLogfmtKey(run, k), '=')
			} else {
				if run != nil {
					run = append(run, ',')
				}
				run = append(appendJSONKey(run, k), ':')
			}
			out = append(out, &preEncoded{b: run, now: now}, nil)
			run = nil
			continue
		}
		if !isConstant(k) || !isConstant(v) {
			flush()
			out = append(out, k, v)
			continue
		}
		if !json {
			if run != nil {
				run = append(run, ' ')
			}
			run = appendLogfmtValue(append(appendLogfmtKey(run, k), '='), v)
		} else {
			if run != nil {
				run = append(run, ',')
			}
			run = appendJSONPairs(run, []any{k, v}, false)
		}
	}
	flush()
	// A timestamp's run takes in the constant run after it.
	sep := byte(' ')
	if json {
		sep = ','
	}
	merged := out[:0]
	for i := 0; i < len(out); i += 2 {
		if p, ok := out[i].(*preEncoded); ok && p.now != nil && i+2 < len(out) {
			if q, ok := out[i+2].(*preEncoded); ok && q.now == nil {
				p.after = append([]byte{sep}, q.b...)
				merged = append(merged, p, nil)
				i += 2
				continue
			}
		}
		merged = append(merged, out[i], out[i+1])
	}
	return merged
}

// isConstant reports whether v's text can never change: strings, numbers,
// bools, durations, times and nil. Errors, Stringers and pointers may, and
// Valuers do.
func isConstant(v any) bool {
	switch v.(type) {
	case nil, string, bool, int, int8, int16, int32, int64,
		uint, uint8, uint16, uint32, uint64, uintptr, float32, float64,
		time.Duration, time.Time:
		return true
	}
	return false
}
