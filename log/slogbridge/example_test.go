package slogbridge_test

import (
	"context"
	"log/slog"
	"os"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
	"github.com/endpointkit/kit/log/slogbridge"
)

// A service that logs with slog, writing through kit's logger and filter.
func ExampleNewHandler() {
	logger := log.NewLogfmtLogger(os.Stdout)
	logger = level.NewFilter(logger, level.AllowInfo())
	h := slogbridge.NewHandler(logger, nil)

	// A record with a zero time gets no time key, which keeps this
	// example's output stable; slog.Logger stamps records with the time.

	var r slog.Record
	r.Level, r.Message = slog.LevelInfo, "listening"
	r.AddAttrs(slog.String("addr", ":8080"))
	h.WithGroup("http").Handle(context.Background(), r)

	slog.New(h).Debug("not shown")

	// Output:
	// level=info msg=listening http.addr=:8080
}

// A service that logs with kit, handing its lines to a slog handler.
func ExampleNewLogger() {
	h := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // stable output
			}
			return a
		},
	})
	logger := log.With(slogbridge.NewLogger(h), "svc", "adder")
	level.Warn(logger).Log("msg", "slow backend", "took", "2s")

	// Output:
	// level=WARN msg="slow backend" svc=adder took=2s
}
