package log_test

import (
	"errors"
	stdlog "log"
	"os"
	"time"

	"github.com/endpointkit/kit/log"
)

func Example() {
	logger := log.NewLogfmtLogger(os.Stdout)
	logger.Log("msg", "hello world", "n", 3, "err", errors.New("no such host"))

	// Output:
	// msg="hello world" n=3 err="no such host"
}

func ExampleWith() {
	// A fixed clock keeps the output stable; services use
	// log.DefaultTimestampUTC.
	clock := func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }

	logger := log.NewLogfmtLogger(os.Stdout)
	logger = log.With(logger, "ts", log.Timestamp(clock), "svc", "adder")
	logger = log.WithSuffix(logger, "version", "1.2.0")
	logger.Log("msg", "started")

	// Output:
	// ts=2026-11-26T12:00:00Z svc=adder msg=started version=1.2.0
}

func ExampleNewJSONLogger() {
	logger := log.NewJSONLogger(os.Stdout)
	logger.Log("msg", "request", "took", 1500*time.Microsecond, "tags", []string{"a", "b"})

	// Output:
	// {"msg":"request","took":"1.5ms","tags":["a","b"]}
}

func ExampleNewStdlibAdapter() {
	logger := log.NewLogfmtLogger(os.Stdout)
	std := stdlog.New(log.NewStdlibAdapter(logger), "", stdlog.Lshortfile)
	std.Print("from a library that uses the standard logger")

	// Output:
	// caller=example_test.go:45 msg="from a library that uses the standard logger"
}
