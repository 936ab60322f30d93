// Package addtracing builds the tracers of addsvc and addcli from their
// command-line flags: OpenTelemetry exporting over OTLP/HTTP
// (-otlp-endpoint), Zipkin reporting to a Zipkin v2 API (-zipkin-url),
// either, both or neither, sampling -trace-sample of the traces the
// program starts.
//
// Tracing is off by default: without an exporter there is no tracer and
// kit's tracing middlewares and hooks return what they wrap unchanged.
// -trace-sample is 0 by default, so that a server traces only the calls
// its callers chose to trace (sampling follows the parent's decision); a
// client sets it (1 traces every call) to start traces.
//
//	tr := addtracing.Flags(fs, "addsvc")
//	fs.Parse(args)
//	tracers, err := tr.Start(ctx)
//	defer tracers.Shutdown(ctx) // flushes what is buffered
//	endpoints = endpoints.Wrap(tracers.Endpoint)
package addtracing

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"strings"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/reporter"
	reporterhttp "github.com/openzipkin/zipkin-go/reporter/http"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/endpointkit/kit/endpoint"
	kitotel "github.com/endpointkit/kit/tracing/otel"
	kitzipkin "github.com/endpointkit/kit/tracing/zipkin"
)

// Settings are what the flags set.
type Settings struct {
	// Service is the name spans are reported under ("addsvc").
	Service string
	// ZipkinURL is the Zipkin v2 spans API to report to
	// ("http://127.0.0.1:9411/api/v2/spans"); empty for no Zipkin.
	ZipkinURL string
	// OTLPEndpoint is the OTLP/HTTP endpoint to export to: host:port
	// (plain HTTP) or a URL; empty for no OpenTelemetry.
	OTLPEndpoint string
	// Sample is the fraction of the traces this program starts that are
	// recorded, from 0 to 1. Traces a caller started follow its decision.
	Sample float64
}

// Flags registers -zipkin-url, -otlp-endpoint and -trace-sample on fs and
// returns the Settings they fill in when fs is parsed.
func Flags(fs *flag.FlagSet, service string) *Settings {
	s := &Settings{Service: service}
	fs.StringVar(&s.ZipkinURL, "zipkin-url", "", "Zipkin v2 spans API to report traces to, e.g. http://127.0.0.1:9411/api/v2/spans (empty: no Zipkin)")
	fs.StringVar(&s.OTLPEndpoint, "otlp-endpoint", "", "OTLP/HTTP endpoint to export traces to, host:port or URL (empty: no OpenTelemetry)")
	fs.Float64Var(&s.Sample, "trace-sample", 0, "fraction of the traces this program starts that are recorded, 0 to 1 (callers' traces follow their decision)")
	return s
}

// Tracers are the tracers built from Settings; nil ones are off.
type Tracers struct {
	// Provider is the OpenTelemetry TracerProvider, nil without
	// -otlp-endpoint.
	Provider *sdktrace.TracerProvider
	// Zipkin is the Zipkin tracer, nil without -zipkin-url.
	Zipkin   *zipkin.Tracer
	reporter reporter.Reporter
}

// Start builds the tracers s asks for. The error names the flag at fault.
func (s Settings) Start(ctx context.Context) (*Tracers, error) {
	if s.Sample < 0 || s.Sample > 1 || s.Sample != s.Sample {
		return nil, fmt.Errorf("-trace-sample: %v is not a fraction from 0 to 1", s.Sample)
	}
	t := &Tracers{}
	if s.OTLPEndpoint != "" {
		var opt otlptracehttp.Option
		if strings.Contains(s.OTLPEndpoint, "://") {
			opt = otlptracehttp.WithEndpointURL(s.OTLPEndpoint)
		} else {
			if _, _, err := net.SplitHostPort(s.OTLPEndpoint); err != nil {
				return nil, fmt.Errorf("-otlp-endpoint: %w", err)
			}
			opt = otlptracehttp.WithEndpoint(s.OTLPEndpoint)
		}
		opts := []otlptracehttp.Option{opt}
		if !strings.HasPrefix(s.OTLPEndpoint, "https://") {
			opts = append(opts, otlptracehttp.WithInsecure())
		}
		exp, err := otlptracehttp.New(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("-otlp-endpoint: %w", err)
		}
		t.Provider = sdktrace.NewTracerProvider(
			sdktrace.WithBatcher(exp),
			sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(s.Sample))),
			sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(s.Service))),
		)
	}
	if s.ZipkinURL != "" {
		if !strings.HasPrefix(s.ZipkinURL, "http://") && !strings.HasPrefix(s.ZipkinURL, "https://") {
			_ = t.Shutdown(ctx)
			return nil, fmt.Errorf("-zipkin-url: %q is not an http or https URL", s.ZipkinURL)
		}
		sampler, err := zipkin.NewBoundarySampler(s.Sample, 0)
		if err != nil {
			_ = t.Shutdown(ctx)
			return nil, fmt.Errorf("-trace-sample: %w", err)
		}
		ep, err := zipkin.NewEndpoint(s.Service, "")
		if err != nil {
			_ = t.Shutdown(ctx)
			return nil, err
		}
		t.reporter = reporterhttp.NewReporter(s.ZipkinURL)
		t.Zipkin, err = zipkin.NewTracer(t.reporter, zipkin.WithLocalEndpoint(ep), zipkin.WithSampler(sampler),
			zipkin.WithSharedSpans(false), zipkin.WithTraceID128Bit(true))
		if err != nil {
			_ = t.Shutdown(ctx)
			return nil, err
		}
	}
	return t, nil
}

// OTel returns the TracerProvider as the API's interface: nil (tracing
// off) when there is none.
func (t *Tracers) OTel() trace.TracerProvider {
	if t == nil || t.Provider == nil {
		return nil
	}
	return t.Provider
}

// ZipkinTracer returns the Zipkin tracer, nil when there is none.
func (t *Tracers) ZipkinTracer() *zipkin.Tracer {
	if t == nil {
		return nil
	}
	return t.Zipkin
}

// Endpoint returns the middleware tracing the endpoint named name with
// every tracer there is (none: the endpoint unchanged). Its signature fits
// addendpoint.Set.Wrap.
func (t *Tracers) Endpoint(name string) endpoint.Middleware {
	o, z := kitotel.TraceEndpoint(t.OTel(), name), kitzipkin.TraceEndpoint(t.ZipkinTracer(), name)
	return func(next endpoint.Endpoint) endpoint.Endpoint { return o(z(next)) }
}

// Shutdown flushes and stops the tracers; spans ended after it are lost.
func (t *Tracers) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	var errs []error
	if t.Provider != nil {
		errs = append(errs, t.Provider.Shutdown(ctx))
	}
	if t.reporter != nil {
		errs = append(errs, t.reporter.Close())
	}
	return errors.Join(errs...)
}
