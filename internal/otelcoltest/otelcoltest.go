// Package otelcoltest starts a real OpenTelemetry Collector for kit's tracing
// tests and reads back the spans it received.
//
// The collector is kit-otelcol (tools/otelcol, built into a cache directory
// by scripts/build-otelcol.sh and put on PATH by the test command): an OTLP
// receiver (gRPC and HTTP) and a Zipkin v2 receiver, on loopback ports of
// their own, feeding the batch processor and the file exporter, which writes
// one OTLP JSON export request per line into the test's temp dir. Each test
// starts its own collector, so spans of tests running at once never mix.
//
// Spans come back flat; [Spans] helps to walk them as a tree by trace id,
// span id and parent span id. A Zipkin span's 64-bit trace id comes back
// widened to 128 bits (16 leading zero hex digits).
package otelcoltest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/endpointkit/kit/internal/testenv"
)

// Binary is the name of the collector binary looked up on PATH.
const Binary = "kit-otelcol"

// Collector is a collector that a test started. Its methods are for the
// test's goroutine only, except Spans and Wait, which only read a file.
type Collector struct {
	// OTLPGRPC is the OTLP/gRPC receiver's address, host:port.
	OTLPGRPC string
	// OTLPHTTP is the OTLP/HTTP receiver's address, host:port (traces are
	// posted to http://OTLPHTTP/v1/traces).
	OTLPHTTP string
	// ZipkinURL is the Zipkin v2 receiver's URL: http://host:port/api/v2/spans.
	ZipkinURL string

	out    string // the file exporter's output
	cmd    *exec.Cmd
	exited chan struct{}
}

const config = `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %s
      http:
        endpoint: %s
  zipkin:
    endpoint: %s
processors:
  batch:
    timeout: 50ms
exporters:
  file:
    path: %s
    flush_interval: 100ms
service:
  telemetry:
    logs:
      level: warn
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp, zipkin]
      processors: [batch]
      exporters: [file]
`

// Start starts a collector and waits until its receivers answer. It skips or
// fails t (see testenv.LookPath) when kit-otelcol is not on PATH, and stops
// the collector when t ends.
func Start(t testing.TB) *Collector {
	t.Helper()
	bin := testenv.LookPath(t, Binary)
	dir := t.TempDir()
	// A free port found here may be taken by another process before the
	// collector binds it; a collector that exits at once is started again
	// on other ports.
	var lastErr error
	for attempt := range 3 {
		c := &Collector{
			OTLPGRPC: freeAddr(t),
			OTLPHTTP: freeAddr(t),
			out:      filepath.Join(dir, fmt.Sprintf("spans-%d.json", attempt)),
			exited:   make(chan struct{}),
		}
		zipkinAddr := freeAddr(t)
		c.ZipkinURL = "http://" + zipkinAddr + "/api/v2/spans"
		cfgPath := filepath.Join(dir, fmt.Sprintf("config-%d.yaml", attempt))
		cfg := fmt.Sprintf(config, c.OTLPGRPC, c.OTLPHTTP, zipkinAddr, c.out)
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		logPath := filepath.Join(dir, fmt.Sprintf("collector-%d.log", attempt))
		logf, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		c.cmd = exec.Command(bin, "--config=file:"+cfgPath)
		c.cmd.Stdout, c.cmd.Stderr = logf, logf
		if err := c.cmd.Start(); err != nil {
			logf.Close()
			t.Fatalf("start %s: %v", bin, err)
		}
		go func() {
			_ = c.cmd.Wait()
			logf.Close()
			close(c.exited)
		}()
		if lastErr = c.waitReady(10 * time.Second); lastErr == nil {
			t.Cleanup(c.stop)
			return c
		}
		c.stop()
		log, _ := os.ReadFile(logPath)
		lastErr = fmt.Errorf("%w; collector log:\n%s", lastErr, log)
	}
	t.Fatalf("collector did not start: %v", lastErr)
	return nil
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// waitReady polls both HTTP receivers with empty payloads until they
// accept them (the Zipkin receiver answers 202 to [], the OTLP one 200 to
// {}), the collector exits, or d passes. The gRPC receiver starts before
// either in the same pipeline start.
func (c *Collector) waitReady(d time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	probe := func(url, body string, want int) bool {
		resp, err := client.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == want
	}
	deadline := time.Now().Add(d)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if probe(c.ZipkinURL, "[]", http.StatusAccepted) &&
			probe("http://"+c.OTLPHTTP+"/v1/traces", "{}", http.StatusOK) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("receivers not ready after %v", d)
		}
		select {
		case <-c.exited:
			return fmt.Errorf("collector exited before it was ready")
		case <-tick.C:
		}
	}
}

// stop asks the collector to shut down (it flushes its exporter), and kills
// it if it has not exited within 5s.
func (c *Collector) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// Spans returns every span the collector has written so far.
func (c *Collector) Spans(t testing.TB) Spans {
	t.Helper()
	b, err := os.ReadFile(c.out)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	spans, err := Parse(b)
	if err != nil {
		t.Fatalf("collector output: %v", err)
	}
	return spans
}

// Wait polls the collector's output until done reports true for the spans
// written so far, and returns them; it fails t after 15s. (The output is a
// file that the exporter appends to every 100ms: there is no signal to wait
// for but its contents.)
func (c *Collector) Wait(t testing.TB, done func(Spans) bool) Spans {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		spans := c.Spans(t)
		if done(spans) {
			return spans
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector: condition not met after 15s; spans so far:\n%s", spans)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitCount waits until at least n spans have arrived and returns them.
func (c *Collector) WaitCount(t testing.TB, n int) Spans {
	t.Helper()
	return c.Wait(t, func(s Spans) bool { return len(s) >= n })
}

// Span is one span as the collector exported it.
type Span struct {
	Service      string // the resource's service.name
	TraceID      string // 32 lower-case hex digits
	SpanID       string // 16 lower-case hex digits
	ParentSpanID string // "" for a root span
	Name         string
	Kind         Kind
	Attrs        map[string]string // values as strings: "200", "true", "grpc"
	Events       []Event
	Status       Status
	Start, End   time.Time
}

// Event is a span event.
type Event struct {
	Name  string
	Attrs map[string]string
}

// Kind is a span kind, numbered as OTLP numbers them.
type Kind int

// Span kinds.
const (
	KindUnspecified Kind = iota
	KindInternal
	KindServer
	KindClient
	KindProducer
	KindConsumer
)

func (k Kind) String() string {
	names := [...]string{"unspecified", "internal", "server", "client", "producer", "consumer"}
	if int(k) < len(names) && k >= 0 {
		return names[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// StatusCode is a span status code, numbered as OTLP numbers them.
type StatusCode int

// Span status codes.
const (
	StatusUnset StatusCode = iota
	StatusOK
	StatusError
)

func (c StatusCode) String() string {
	switch c {
	case StatusUnset:
		return "unset"
	case StatusOK:
		return "ok"
	case StatusError:
		return "error"
	}
	return "status(" + strconv.Itoa(int(c)) + ")"
}

// Status is a span's status.
type Status struct {
	Code    StatusCode
	Message string
}

func (s Span) String() string {
	return fmt.Sprintf("%s %q kind=%v trace=%s span=%s parent=%s status=%v %q attrs=%v events=%v",
		s.Service, s.Name, s.Kind, s.TraceID, s.SpanID, s.ParentSpanID, s.Status.Code, s.Status.Message, s.Attrs, s.Events)
}

// Spans is a list of spans with lookups for walking them as trees.
type Spans []Span

func (ss Spans) String() string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString("  ")
		b.WriteString(s.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Named returns the spans called name.
func (ss Spans) Named(name string) Spans {
	var out Spans
	for _, s := range ss {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// Find returns the one span called name, or fails t when there is not
// exactly one.
func (ss Spans) Find(t testing.TB, name string) Span {
	t.Helper()
	found := ss.Named(name)
	if len(found) != 1 {
		t.Fatalf("want 1 span named %q, got %d; spans:\n%s", name, len(found), ss)
	}
	return found[0]
}

// Trace returns the spans of one trace.
func (ss Spans) Trace(traceID string) Spans {
	var out Spans
	for _, s := range ss {
		if s.TraceID == traceID {
			out = append(out, s)
		}
	}
	return out
}

// Children returns the spans whose parent is parent.
func (ss Spans) Children(parent Span) Spans {
	var out Spans
	for _, s := range ss {
		if s.TraceID == parent.TraceID && s.ParentSpanID == parent.SpanID {
			out = append(out, s)
		}
	}
	return out
}

// Parse reads the file exporter's output: one OTLP JSON export request per
// line. Empty lines and {} are skipped.
func Parse(b []byte) (Spans, error) {
	// The exporter may be writing the last line as it is read: a line
	// without its newline is left for the next read.
	if i := bytes.LastIndexByte(b, '\n'); i < len(b)-1 {
		b = b[:i+1]
	}
	var out Spans
	for n, line := range bytes.Split(b, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || bytes.Equal(line, []byte("{}")) {
			continue
		}
		var req exportRequest
		if err := json.Unmarshal(line, &req); err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		for _, rs := range req.ResourceSpans {
			service := attrMap(rs.Resource.Attributes)["service.name"]
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					span := Span{
						Service:      service,
						TraceID:      strings.ToLower(s.TraceID),
						SpanID:       strings.ToLower(s.SpanID),
						ParentSpanID: strings.ToLower(s.ParentSpanID),
						Name:         s.Name,
						Kind:         Kind(s.Kind),
						Attrs:        attrMap(s.Attributes),
						Status:       Status{Code: StatusCode(s.Status.Code), Message: s.Status.Message},
						Start:        time.Unix(0, int64(s.StartTimeUnixNano)),
						End:          time.Unix(0, int64(s.EndTimeUnixNano)),
					}
					for _, e := range s.Events {
						span.Events = append(span.Events, Event{Name: e.Name, Attrs: attrMap(e.Attributes)})
					}
					out = append(out, span)
				}
			}
		}
	}
	return out, nil
}

// The OTLP JSON encoding, as much of it as the tests read. Enums are
// numbers; 64-bit integers are strings; ids are hex.
type exportRequest struct {
	ResourceSpans []struct {
		Resource struct {
			Attributes []keyValue `json:"attributes"`
		} `json:"resource"`
		ScopeSpans []struct {
			Spans []struct {
				TraceID           string     `json:"traceId"`
				SpanID            string     `json:"spanId"`
				ParentSpanID      string     `json:"parentSpanId"`
				Name              string     `json:"name"`
				Kind              int        `json:"kind"`
				StartTimeUnixNano jsonUint   `json:"startTimeUnixNano"`
				EndTimeUnixNano   jsonUint   `json:"endTimeUnixNano"`
				Attributes        []keyValue `json:"attributes"`
				Events            []struct {
					Name       string     `json:"name"`
					Attributes []keyValue `json:"attributes"`
				} `json:"events"`
				Status struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				} `json:"status"`
			} `json:"spans"`
		} `json:"scopeSpans"`
	} `json:"resourceSpans"`
}

type keyValue struct {
	Key   string `json:"key"`
	Value struct {
		StringValue *string          `json:"stringValue"`
		IntValue    *json.RawMessage `json:"intValue"` // a string or a number
		BoolValue   *bool            `json:"boolValue"`
		DoubleValue *float64         `json:"doubleValue"`
	} `json:"value"`
}

// jsonUint reads a 64-bit unsigned integer written as a string or a number.
type jsonUint uint64

func (u *jsonUint) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseUint(strings.Trim(string(b), `"`), 10, 64)
	*u = jsonUint(n)
	return err
}

func attrMap(kvs []keyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		v := kv.Value
		switch {
		case v.StringValue != nil:
			m[kv.Key] = *v.StringValue
		case v.IntValue != nil:
			m[kv.Key] = strings.Trim(string(*v.IntValue), `"`)
		case v.BoolValue != nil:
			m[kv.Key] = strconv.FormatBool(*v.BoolValue)
		case v.DoubleValue != nil:
			m[kv.Key] = strconv.FormatFloat(*v.DoubleValue, 'g', -1, 64)
		default:
			m[kv.Key] = ""
		}
	}
	return m
}
