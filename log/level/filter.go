package level

import (
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/internal/core"
)

// Option sets a parameter of a filter made by NewFilter.
type Option func(*filter)

// AllowAll lets lines of every level through.
func AllowAll() Option { return AllowDebug() }

// AllowDebug lets debug, info, warn and error lines through.
func AllowDebug() Option { return allow(bitDebug | bitInfo | bitWarn | bitError) }

// AllowInfo lets info, warn and error lines through.
func AllowInfo() Option { return allow(bitInfo | bitWarn | bitError) }

// AllowWarn lets warn and error lines through.
func AllowWarn() Option { return allow(bitWarn | bitError) }

// AllowError lets only error lines through.
func AllowError() Option { return allow(bitError) }

// AllowNone drops every line that has a level.
func AllowNone() Option { return allow(0) }

// Allow lets lines of level v and above through, for a level parsed from a
// flag: level.NewFilter(logger, level.Allow(v)).
func Allow(v Value) Option {
	lv, _ := v.(*levelValue)
	if lv == nil {
		return AllowNone()
	}
	return allow(^(lv.bit - 1) & (bitDebug | bitInfo | bitWarn | bitError))
}

func allow(a allowed) Option { return func(f *filter) { f.allowed = a } }

// ErrNotAllowed sets the error that Log returns for a line the filter drops
// because of its level. By default it returns nil. The name is Go kit's:
// this is an option, not a sentinel error.
func ErrNotAllowed(err error) Option { return func(f *filter) { f.errNotAllowed = err } }

// SquelchNoLevel, when squelch is true, drops lines that have no level.
// By default they are let through.
func SquelchNoLevel(squelch bool) Option { return func(f *filter) { f.squelchNoLevel = squelch } }

// ErrNoLevel sets the error that Log returns for a line dropped by
// SquelchNoLevel. By default it returns nil.
func ErrNoLevel(err error) Option { return func(f *filter) { f.errNoLevel = err } }

// NewFilter returns a Logger that passes to next the lines whose level is
// allowed, and the lines without a level unless SquelchNoLevel is set. By
// default no level is allowed: pass one of the Allow options.
func NewFilter(next log.Logger, options ...Option) log.Logger {
	f := &filter{next: next}
	for _, o := range options {
		o(f)
	}
	// Precompute what the level helpers return for this filter, so that
	// level.Debug(filter) neither allocates nor, when debug is not
	// allowed, does any work per line. Allowed lines still go through the
	// filter, which checks any other level among their keyvals.
	for _, v := range []*levelValue{debugValue, infoValue, warnValue, errorValue} {
		if f.allowed&v.bit != 0 {
			f.leveled[v.index].Store(newLeveled(f, v).l)
		} else {
			f.leveled[v.index].Store(&core.Leveled{Err: f.errNotAllowed})
		}
	}
	return f
}

// filter is immutable once built.
type filter struct {
	next           log.Logger
	allowed        allowed
	errNotAllowed  error
	squelchNoLevel bool
	errNoLevel     error
	leveled        core.Slots // by levelValue index: what the helpers return, all set
}

var _ core.Hooks = (*filter)(nil)

func (f *filter) Log(keyvals ...any) error {
	levelFound := false
	for i := 1; i < len(keyvals); i += 2 {
		if v, ok := keyvals[i].(*levelValue); ok {
			levelFound = true
			if f.allowed&v.bit == 0 {
				return f.errNotAllowed
			}
		}
	}
	if !levelFound && f.squelchNoLevel {
		return f.errNoLevel
	}
	return f.next.Log(keyvals...)
}

// LevelSlots implements core.Hooks: what the helpers return, computed by
// NewFilter.
func (f *filter) LevelSlots() *core.Slots { return &f.leveled }

// LineWriter implements core.Hooks: when the bound pairs hold a level f
// lets through and none it drops, lines pass f unchanged, and are written
// by its next Logger's Writer, if it has one. Without a bound level,
// lines go through Log, which checks the levels among their values.
func (f *filter) LineWriter(prefix, suffix []any) core.Writer {
	allowed := false
	for _, bound := range [][]any{prefix, suffix} {
		for i := 1; i < len(bound); i += 2 {
			if v, ok := bound[i].(*levelValue); ok {
				if f.allowed&v.bit == 0 {
					return nil
				}
				allowed = true
			}
		}
	}
	h, ok := f.next.(core.Hooks)
	if !allowed || !ok {
		return nil
	}
	return h.LineWriter(prefix, suffix)
}

// Discards implements core.Hooks: it reports whether every line that
// carries the bound keyvals would be dropped, and with which error. Loggers
// made by log.With and friends ask it once, when they are built, so that
// they can drop such lines without evaluating their Valuers.
func (f *filter) Discards(bound []any) (bool, error) {
	for i := 1; i < len(bound); i += 2 {
		if v, ok := bound[i].(*levelValue); ok && f.allowed&v.bit == 0 {
			return true, f.errNotAllowed
		}
	}
	return false, nil
}

// NewInjector returns a Logger that adds the level v to lines that have none,
// as the first pair, and passes lines that have one through unchanged.
func NewInjector(next log.Logger, v Value) log.Logger {
	return &injector{next: next, withLevel: log.WithPrefix(next, "level", v)}
}

type injector struct {
	next      log.Logger
	withLevel log.Logger
}

func (in *injector) Log(keyvals ...any) error {
	for i := 1; i < len(keyvals); i += 2 {
		if _, ok := keyvals[i].(*levelValue); ok {
			return in.next.Log(keyvals...)
		}
	}
	return in.withLevel.Log(keyvals...)
}
