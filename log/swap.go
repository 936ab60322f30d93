package log

import "sync/atomic"

// SwapLogger is a Logger whose destination may be replaced (Swap) while
// other goroutines log through it. Its zero value discards every line
// without error, until the first Swap. It is Go kit's; kit's own packages
// take their Logger as a parameter instead.
type SwapLogger struct {
	logger atomic.Pointer[swapped]
}

// swapped boxes a Logger so that a nil Logger can be stored too.
type swapped struct{ Logger }

// Log implements Logger, passing keyvals to the current Logger; it does
// nothing when there is none.
func (l *SwapLogger) Log(keyvals ...any) error {
	s := l.logger.Load()
	if s == nil || s.Logger == nil {
		return nil
	}
	return s.Log(keyvals...)
}

// Swap replaces the current Logger with logger (nil discards). It may be
// called while other goroutines log.
func (l *SwapLogger) Swap(logger Logger) { l.logger.Store(&swapped{logger}) }
