package addtracing_test

import (
	"context"
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addtracing"
	"github.com/endpointkit/kit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func parse(t *testing.T, args ...string) *addtracing.Settings {
	t.Helper()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s := addtracing.Flags(fs, "svc")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOffByDefault: without flags there is no tracer, and Endpoint returns
// the endpoint unchanged.
func TestOffByDefault(t *testing.T) {
	tr, err := parse(t).Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tr.OTel() != nil || tr.ZipkinTracer() != nil {
		t.Fatalf("tracers %v, %v without flags, want none", tr.OTel(), tr.ZipkinTracer())
	}
	ep := func(context.Context, any) (any, error) { return nil, nil }
	if got := tr.Endpoint("sum")(ep); reflect.ValueOf(got).Pointer() != reflect.ValueOf(ep).Pointer() {
		t.Error("Endpoint wrapped the endpoint with tracing off")
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestBadFlags: each bad value is refused with an error naming its flag.
func TestBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		flag string
	}{
		{[]string{"-otlp-endpoint", "127.0.0.1:4318", "-trace-sample", "1.5"}, "-trace-sample"},
		{[]string{"-trace-sample", "-0.1"}, "-trace-sample"},
		{[]string{"-trace-sample", "NaN"}, "-trace-sample"},
		{[]string{"-otlp-endpoint", "no-port"}, "-otlp-endpoint"},
		{[]string{"-zipkin-url", "127.0.0.1:9411/api/v2/spans"}, "-zipkin-url"},
	}
	for _, c := range cases {
		_, err := parse(t, c.args...).Start(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.flag) {
			t.Errorf("%v: err = %v, want one naming %s", c.args, err, c.flag)
		}
	}
}

// TestBothTracers: both flags give both tracers, which Shutdown stops.
func TestBothTracers(t *testing.T) {
	tr, err := parse(t, "-otlp-endpoint", "127.0.0.1:1", "-zipkin-url", "http://127.0.0.1:1/api/v2/spans",
		"-trace-sample", "0.5").Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tr.OTel() == nil || tr.ZipkinTracer() == nil {
		t.Fatalf("tracers %v, %v, want both", tr.OTel(), tr.ZipkinTracer())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil { // nothing recorded: nothing to send
		t.Errorf("Shutdown: %v", err)
	}
}
