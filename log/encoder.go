package log

import (
	"io"

	"github.com/endpointkit/kit/log/internal/core"
)

// encoder is the Logger that NewLogfmtLogger and NewJSONLogger return: one
// type for both formats, which differ only in how pairs are appended. It
// is immutable once built, but for its caches, and safe for concurrent use
// when w is.
type encoder struct {
	json  bool // JSON objects, else logfmt lines
	w     io.Writer
	now   nowValues   // the default timestamps, for the contexts over it
	lines *lineWriter // writes lines without bound pairs
	// levels caches what the level helpers return for this encoder.
	levels core.Slots
	// keys caches keys encoded in e's format, for its lineWriters.
	keys core.Keys
}

func newEncoder(w io.Writer, json bool) *encoder {
	e := &encoder{json: json, w: w, now: newNowValues()}
	e.lines = &lineWriter{enc: e}
	e.keys.Init(e.lines)
	return e
}

func (e *encoder) Log(keyvals ...any) error {
	return e.logParts(nil, keyvals, nil)
}

// logParts writes one line made of the pairs of prefix, keyvals and suffix
// with one Write call. Contexts call it directly, which saves merging the
// three into one slice. (Both formats are spelled out here rather than in
// a function each: the extra call cost about 40 instructions a line.)
func (e *encoder) logParts(prefix, keyvals, suffix []any) error {
	line := core.GetLine()
	b := line.B
	if e.json {
		b = append(b, '{')
		if len(prefix) > 0 {
			b = appendJSONPairs(b, prefix, false)
		}
		b = appendJSONPairs(b, keyvals, len(prefix) > 0)
		if len(suffix) > 0 {
			b = appendJSONPairs(b, suffix, len(prefix)+len(keyvals) > 0)
		}
		b = append(b, '}', '\n')
	} else {
		if len(prefix) > 0 {
			// Most contexts bind a timestamp and constants, which
			// preEncode turns into one pair: it is appended here,
			// without the loop.
			if p, ok := prefix[0].(*preEncoded); ok && len(prefix) == 2 {
				b = p.appendTo(b)
			} else {
				b = appendLogfmtPairs(b, prefix, false)
			}
		}
		b = appendLogfmtPairs(b, keyvals, len(prefix) > 0)
		if len(suffix) > 0 {
			b = appendLogfmtPairs(b, suffix, len(prefix)+len(keyvals) > 0)
		}
		b = append(b, '\n')
	}
	line.B = b
	_, err := e.w.Write(b)
	core.PutLine(line)
	return err
}

// Discards implements core.Hooks: an encoder writes every line.
func (e *encoder) Discards([]any) (bool, error) { return false, nil }

// LevelSlots implements core.Hooks.
func (e *encoder) LevelSlots() *core.Slots { return &e.levels }

// LineWriter implements core.Hooks: the bound pairs are encoded as a
// context over e encodes them, and the Writer calls the Valuers among them
// (but the default timestamps, which it formats itself) for each line.
func (e *encoder) LineWriter(prefix, suffix []any) core.Writer {
	if len(prefix) == 0 && len(suffix) == 0 {
		return e.lines
	}
	if len(prefix) > maxDirect || len(suffix) > maxDirect || len(prefix)%2 != 0 || len(suffix)%2 != 0 {
		return nil
	}
	w := &lineWriter{
		enc:    e,
		prefix: preEncode(withNowValues(prefix, &e.now), e.json),
		suffix: preEncode(withNowValues(suffix, &e.now), e.json),
	}
	w.valuers = containsValuer(w.prefix) || containsValuer(w.suffix)
	return w
}

var _ core.Hooks = (*encoder)(nil)
