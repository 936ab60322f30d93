package level_test

import (
	"log/slog"
	"os"
	"time"

	"github.com/endpointkit/kit/log"
	"github.com/endpointkit/kit/log/level"
)

func Example() {
	logger := log.NewLogfmtLogger(os.Stdout)
	logger = level.NewFilter(logger, level.AllowInfo())
	logger = log.With(logger, "svc", "adder")

	level.Debug(logger).Log("msg", "not shown")
	level.Info(logger).Log("msg", "listening", "addr", ":8080")
	level.Error(logger).Log("err", "bind: address in use")

	// Output:
	// level=info svc=adder msg=listening addr=:8080
	// level=error svc=adder err="bind: address in use"
}

func ExampleParse() {
	v, err := level.Parse("warn") // from a flag or a config file
	if err != nil {
		v = level.InfoValue()
	}
	logger := level.NewFilter(log.NewLogfmtLogger(os.Stdout), level.Allow(v))
	level.Info(logger).Log("msg", "not shown")
	level.Warn(logger).Log("msg", "disk almost full")

	// Output:
	// level=warn msg="disk almost full"
}

func ExampleLogger_LogAttrs() {
	logger := log.NewLogfmtLogger(os.Stdout)
	logger = level.NewFilter(logger, level.AllowInfo())
	logger = log.With(logger, "svc", "adder")

	// Values in variables, as on a hot path: typed pairs are not boxed.
	path, took := "/sum", 1500*time.Microsecond
	level.Info(logger).LogAttrs(slog.String("msg", "served"), slog.String("path", path), slog.Duration("took", took))

	// A debug line that is usually dropped is not even built.
	if d := level.Debug(logger); d.Enabled() {
		d.LogAttrs(slog.String("msg", "not shown"))
	}

	// Output:
	// level=info svc=adder msg=served path=/sum took=1.5ms
}
