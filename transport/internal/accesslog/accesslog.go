// Package accesslog holds what kit's access logs (transport/http/handler's
// AccessLog and transport/grpc's ServerAccessLog) share.
package accesslog

import (
	"log/slog"

	"github.com/endpointkit/kit/endpoint"
)

// Level is the level a request's line is logged at, by its outcome: Info
// for a success or a business error, Warn for a caller's error or an
// overload refusal (a flood of bad requests does not page anyone), Error
// for a dependency failure.
func Level(o endpoint.Outcome) slog.Level {
	switch o.Kind {
	case endpoint.Success, endpoint.BusinessError:
		return slog.LevelInfo
	case endpoint.CallerError, endpoint.Overloaded:
		return slog.LevelWarn
	}
	return slog.LevelError
}
