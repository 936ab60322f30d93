package log_test

import (
	"bytes"
	stdlog "log"
	"strings"
	"sync"
	"testing"

	"github.com/endpointkit/kit/log"
)

func TestSwapLogger(t *testing.T) {
	var l log.SwapLogger
	if err := l.Log("k", "v"); err != nil {
		t.Errorf("zero SwapLogger: Log = %v, want nil", err)
	}
	var a, b bytes.Buffer
	l.Swap(log.NewLogfmtLogger(&a))
	_ = l.Log("to", "a")
	l.Swap(log.NewLogfmtLogger(&b))
	_ = l.Log("to", "b")
	l.Swap(nil)
	_ = l.Log("to", "nowhere")
	if a.String() != "to=a\n" || b.String() != "to=b\n" {
		t.Errorf("a got %q, b got %q; want to=a and to=b", a.String(), b.String())
	}

	// Swapping while others log (run with -race).
	var wg sync.WaitGroup
	sink := log.NewSyncLogger(log.NewLogfmtLogger(&bytes.Buffer{}))
	for range 4 {
		wg.Go(func() {
			for range 200 {
				_ = l.Log("k", "v")
			}
		})
	}
	for range 50 {
		l.Swap(sink)
	}
	wg.Wait()
}

func TestStdlibWriter(t *testing.T) {
	var buf bytes.Buffer
	out, flags := stdlog.Writer(), stdlog.Flags()
	stdlog.SetOutput(&buf)
	stdlog.SetFlags(0)
	defer func() { stdlog.SetOutput(out); stdlog.SetFlags(flags) }()
	_ = log.NewLogfmtLogger(log.StdlibWriter{}).Log("k", "v")
	if got := strings.TrimSpace(buf.String()); got != "k=v" {
		t.Errorf("standard logger got %q, want k=v", got)
	}
}
