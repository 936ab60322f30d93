package otel

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
)

// defaultPropagator is W3C Trace Context and W3C Baggage.
func defaultPropagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, quietBaggage{})
}

// quietBaggage is W3C Baggage as propagation.Baggage reads and writes it,
// except that a baggage header that does not parse (malformed, or past the
// 8,192-byte limit) is dropped silently. propagation.Baggage reports each
// one to OpenTelemetry's global error handler, a log line per request by
// default: a stranger could flood the logs with bad headers.
type quietBaggage struct{}

const baggageHeader = "baggage"

// Inject implements propagation.TextMapPropagator.
func (quietBaggage) Inject(ctx context.Context, carrier propagation.TextMapCarrier) {
	propagation.Baggage{}.Inject(ctx, carrier)
}

// Extract implements propagation.TextMapPropagator. Several baggage
// headers (a carrier with Values, as http.Header) form one list.
func (quietBaggage) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	s := carrier.Get(baggageHeader)
	if s == "" {
		return ctx
	}
	if vg, ok := carrier.(propagation.ValuesGetter); ok {
		if vs := vg.Values(baggageHeader); len(vs) > 1 {
			s = strings.Join(vs, ",")
		}
	}
	b, err := baggage.Parse(s)
	if err != nil || b.Len() == 0 {
		return ctx
	}
	return baggage.ContextWithBaggage(ctx, b)
}

// Fields implements propagation.TextMapPropagator.
func (quietBaggage) Fields() []string { return []string{baggageHeader} }
