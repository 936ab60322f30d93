package transport

import (
	"context"
	"errors"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
)

// LogErrorHandler is an ErrorHandler that logs each error as one line at the
// level its outcome deserves (see the package doc), naming the [Call] the
// transport put into the context. Build it with [NewLogErrorHandler]. It is
// safe for concurrent use when its Logger is.
type LogErrorHandler struct {
	logger   log.Logger
	classify endpoint.Classifier
}

// LogErrorHandlerOption sets an optional parameter of a LogErrorHandler.
type LogErrorHandlerOption func(*LogErrorHandler)

// LogErrorHandlerClassifier sets how an error's outcome, and so its level,
// is decided. By default, [endpoint.Classify] is used; pass the Classifier
// given to the service's breakers and retries so that logs agree with them.
func LogErrorHandlerClassifier(c endpoint.Classifier) LogErrorHandlerOption {
	return func(h *LogErrorHandler) { h.classify = c }
}

// NewLogErrorHandler returns a LogErrorHandler writing to logger. Each line
// holds, in order: the level; "transport", "route", "status" and "peer"
// from the context's [Call] (those it knows); "outcome", the error's
// [endpoint.Kind]; "msg", "request rejected" for a caller's error,
// "request shed" for an overload refusal and "request failed" otherwise;
// "err", the error; and "stack" for a recovered panic.
//
// Caller errors and overload refusals are logged at warn, everything else
// at error. To keep caller errors out of the logs altogether, put a
// level.NewFilter allowing error only in front of logger. A log.Caller
// bound in logger names this file for every line, as no user code is on
// the stack: the route, status and peer say where an error came from.
func NewLogErrorHandler(logger log.Logger, options ...LogErrorHandlerOption) *LogErrorHandler {
	h := &LogErrorHandler{logger: logger, classify: endpoint.Classify}
	for _, o := range options {
		o(h)
	}
	return h
}

// panicker is implemented by the errors kit's servers report for a
// recovered panic.
type panicker interface {
	PanicStack() []byte
}

// Handle implements ErrorHandler.
func (h *LogErrorHandler) Handle(ctx context.Context, err error) {
	o := h.classify(ctx, nil, err)
	lvl, msg := level.ErrorValue(), "request failed"
	switch o.Kind {
	case endpoint.CallerError:
		lvl, msg = level.WarnValue(), "request rejected"
	case endpoint.Overloaded:
		lvl, msg = level.WarnValue(), "request shed"
	}
	kv := make([]any, 0, 18)
	kv = append(kv, level.Key(), lvl)
	if c, ok := CallFromContext(ctx); ok {
		if c.Transport != "" {
			kv = append(kv, "transport", c.Transport)
		}
		if c.Route != "" {
			kv = append(kv, "route", c.Route)
		}
		switch {
		case c.StatusName != "":
			kv = append(kv, "status", c.StatusName)
		case c.Status != 0:
			kv = append(kv, "status", c.Status)
		}
		if c.Peer != "" {
			kv = append(kv, "peer", c.Peer)
		}
	}
	kv = append(kv, "outcome", o.Kind.String(), "msg", msg, "err", err)
	var p panicker
	if errors.As(err, &p) {
		kv = append(kv, "stack", string(p.PanicStack()))
	}
	_ = h.logger.Log(kv...)
}
