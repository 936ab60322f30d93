package prometheus

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// ErrRegistration is wrapped by the error of a constructor whose collector
// the Registerer refused.
var ErrRegistration = errors.New("prometheus: registration failed")

// ErrUnknownLabel is wrapped by the error passed to the [ErrorHandler] when
// With is given a label name the instrument was not built with.
var ErrUnknownLabel = errors.New("prometheus: unknown label name")

// Option configures an instrument.
type Option func(*settings)

type settings struct {
	errorHandler func(error)
}

// ErrorHandler sets the function told about label lists whose child drops
// its updates (see the package documentation). It is called at the child's
// first update (rarely twice, if two goroutines race to it), on the updating
// goroutine, and must not block. By default an error wrapping
// [ErrUnknownLabel] (a label name the instrument was not built with: a bug
// in the program, such as a typo) panics, so that it is found in the first
// test that updates the child instead of dropping updates in silence; other
// errors (a label value client_golang refuses, which comes from data) are
// discarded. Pass a handler that logs to keep running in both cases.
func ErrorHandler(f func(error)) Option {
	return func(s *settings) {
		if f != nil {
			s.errorHandler = f
		}
	}
}

// defaultErrorHandler panics on a label name the instrument does not have,
// and discards the rest (see ErrorHandler).
func defaultErrorHandler(err error) {
	if errors.Is(err, ErrUnknownLabel) {
		panic(err)
	}
}

func apply(options []Option) settings {
	s := settings{errorHandler: defaultErrorHandler}
	for _, o := range options {
		o(&s)
	}
	return s
}

// validate checks names by Prometheus' classic rules, which every server
// version accepts. client_golang itself now also accepts any UTF-8 name, but
// a Prometheus 2 server scraping such a name fails the whole scrape, so kit
// refuses it at construction. reserved is the label name the metric type
// keeps for itself ("le" or "quantile"), if any.
func validate(fqName string, labelNames []string, reserved string) error {
	if !validName(fqName, true) {
		return fmt.Errorf("%w: invalid metric name %q", ErrRegistration, fqName)
	}
	for i, n := range labelNames {
		if !validName(n, false) || strings.HasPrefix(n, "__") || n == reserved {
			return fmt.Errorf("%w: %q: invalid label name %q", ErrRegistration, fqName, n)
		}
		if slices.Contains(labelNames[:i], n) {
			return fmt.Errorf("%w: %q: duplicate label name %q", ErrRegistration, fqName, n)
		}
	}
	return nil
}

func validName(s string, colon bool) bool {
	for i, r := range s {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || (i > 0 && r >= '0' && r <= '9') || (colon && r == ':')
		if !ok {
			return false
		}
	}
	return s != ""
}

func register(reg prometheus.Registerer, c prometheus.Collector, name string) error {
	if reg == nil {
		return fmt.Errorf("%w: %q: nil Registerer", ErrRegistration, name)
	}
	if err := reg.Register(c); err != nil {
		return fmt.Errorf("%w: %q: %w", ErrRegistration, name, err)
	}
	return nil
}
