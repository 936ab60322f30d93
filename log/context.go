package log

// With returns a Logger that adds keyvals to every Log call, after any
// keyvals it already binds and before the call's own. Values that are
// Valuers are called anew on every Log call. With on a Logger returned by
// With, WithPrefix or WithSuffix flattens the two into one, so chains of
// With cost one merge per Log call, not one per With.
func With(logger Logger, keyvals ...any) Logger {
	if len(keyvals) == 0 {
		return logger
	}
	c := contextOf(logger)
	prefix := make([]any, 0, len(c.prefix)+len(keyvals)+1)
	prefix = append(prefix, c.prefix...)
	prefix = appendPadded(prefix, keyvals)
	return c.derive(prefix, c.suffix)
}

// WithPrefix returns a Logger that adds keyvals before every other key of
// every Log call, including those bound earlier. Level helpers use it so that
// the level comes first.
func WithPrefix(logger Logger, keyvals ...any) Logger {
	if len(keyvals) == 0 {
		return logger
	}
	c := contextOf(logger)
	prefix := make([]any, 0, len(c.prefix)+len(keyvals)+1)
	prefix = appendPadded(prefix, keyvals)
	prefix = append(prefix, c.prefix...)
	return c.derive(prefix, c.suffix)
}

// WithSuffix returns a Logger that adds keyvals after every other key of
// every Log call, including suffixes bound earlier.
func WithSuffix(logger Logger, keyvals ...any) Logger {
	if len(keyvals) == 0 {
		return logger
	}
	c := contextOf(logger)
	suffix := make([]any, 0, len(c.suffix)+len(keyvals)+1)
	suffix = append(suffix, c.suffix...)
	suffix = appendPadded(suffix, keyvals)
	return c.derive(c.prefix, suffix)
}

// appendPadded appends keyvals, and ErrMissingValue if their count is odd,
// so that bound keyvals always come in pairs.
func appendPadded(dst, keyvals []any) []any {
	dst = append(dst, keyvals...)
	if len(keyvals)%2 != 0 {
		dst = append(dst, ErrMissingValue)
	}
	return dst
}

// context is the Logger returned by With, WithPrefix and WithSuffix. It is
// immutable once built, so it is safe for concurrent use when its logger is.
type context struct {
	logger Logger
	prefix []any // before the call's keyvals; even length
	suffix []any // after the call's keyvals; even length
	// hasValuer records whether prefix or suffix holds a Valuer, so that
	// the common case skips the scan.
	hasValuer bool
}

func contextOf(logger Logger) *context {
	if c, ok := logger.(*context); ok {
		return c
	}
	return &context{logger: logger}
}

func (c *context) derive(prefix, suffix []any) *context {
	return &context{
		logger:    c.logger,
		prefix:    prefix,
		suffix:    suffix,
		hasValuer: containsValuer(prefix) || containsValuer(suffix),
	}
}

// Log merges the bound keyvals with the call's into a pooled slice, calls
// the Valuers among the bound values, and passes the result on. The pooled
// slice is safe to reuse afterwards because Loggers must not retain keyvals.
func (c *context) Log(keyvals ...any) error {
	buf := getKeyvals()
	kv := append(buf.kv, c.prefix...)
	kv = append(kv, keyvals...)
	if len(keyvals)%2 != 0 && len(c.suffix) > 0 {
		kv = append(kv, ErrMissingValue) // keep the suffix's keys in key position
	}
	kv = append(kv, c.suffix...)
	if c.hasValuer {
		// bindValues is called from here, directly, so that Caller's depth
		// counts the same frames whatever the bound keyvals.
		bindValues(kv[:len(c.prefix)])
		bindValues(kv[len(kv)-len(c.suffix):])
	}
	err := c.logger.Log(kv...)
	buf.kv = kv
	putKeyvals(buf)
	return err
}

// bindValues replaces each Valuer among the values of keyvals by its result.
func bindValues(keyvals []any) {
	for i := 1; i < len(keyvals); i += 2 {
		if v, ok := keyvals[i].(Valuer); ok {
			keyvals[i] = v()
		}
	}
}

func containsValuer(keyvals []any) bool {
	for i := 1; i < len(keyvals); i += 2 {
		if _, ok := keyvals[i].(Valuer); ok {
			return true
		}
	}
	return false
}
