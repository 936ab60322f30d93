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
}

func newEncoder(w io.Writer, json bool) *encoder {
	e := &encoder{json: json, w: w, now: newNowValues()}
	e.lines = &lineWriter{enc: e}
	return e
}

func (e *encoder) Log(keyvals ...any) error {
	return e.logParts(nil, keyvals, nil)
}

// logParts writes one line made of the pairs of prefix, keyvals and suffix
// with one Write call. Contexts call it directly, which saves merging the
// three into one slice.
func (e *encoder) logParts(prefix, keyvals, suffix []any) error {
	line := core.Get()
	if e.json {
		line.B = appendJSONLine(line.B, prefix, keyvals, suffix)
	} else {
		line.B = appendLogfmtLine(line.B, prefix, keyvals, suffix)
	}
	_, err := e.w.Write(line.B)
	core.Put(line)
	return err
}

// Discards implements core.Hooks: an encoder writes every line.
func (e *encoder) Discards([]any) (bool, error) { return false, nil }

// LevelSlots implements core.Hooks.
func (e *encoder) LevelSlots() *core.Slots { return &e.levels }

// LineWriter implements core.Hooks.
func (e *encoder) LineWriter() core.Writer { return e.lines }

var _ core.Hooks = (*encoder)(nil)
