package instrument

import (
	"strconv"
	"strings"
	"time"

	"github.com/endpointkit/kit/metrics"
)

// HTTP records HTTP server request metrics: a request counter and a
// duration histogram (seconds) labelled by method, route and status code,
// named by a [Convention] (see [HTTPServerSpec]). transport/http/handler's
// Metrics middleware records into one; anything else that serves HTTP may
// call Observe.
//
// It is safe for concurrent use. Build one with [NewHTTP], or with the
// ready constructors of metrics/prometheus and metrics/otel.
type HTTP struct {
	conv Convention
	spec Spec
	in   instruments[httpKey]
}

type httpKey struct {
	method, route string
	code          int
}

// NewHTTP returns an HTTP recording into requests and duration, whose
// label names must be those of HTTPServerSpec(c).Labels. A nil requests
// (the OpenTelemetry convention has no counter) or duration records
// nothing.
func NewHTTP(c Convention, requests metrics.Counter, duration metrics.Histogram) *HTTP {
	m := &HTTP{conv: c, spec: HTTPServerSpec(c)}
	m.in.init(requests, duration)
	return m
}

// Observe records one request: its method (as received; unknown methods
// are recorded under one placeholder, so that a client sending made-up
// methods cannot grow the series), its route (an http.ServeMux pattern,
// as transport/http/handler.Route returns: never a raw path; the
// OpenTelemetry convention records its path alone, "/items/{id}" for
// "GET /items/{id}", as http.route wants), the status code sent and how
// long it took.
//
// For a label set seen before it allocates nothing.
func (m *HTTP) Observe(method, route string, code int, d time.Duration) {
	method = m.method(method)
	s := m.in.get(httpKey{method, route, code}, func() []string {
		r := route
		if m.conv == OpenTelemetry {
			r = pathTemplate(route)
		}
		return pairs(m.spec.Labels, method, r, strconv.Itoa(code))
	})
	s.requests.Add(1)
	s.duration.Observe(d.Seconds())
}

// method returns the label value of an HTTP method: lower case for
// Prometheus (as promhttp spells it), upper case for OpenTelemetry, and
// "unknown" (Prometheus) or "_OTHER" (OpenTelemetry) for a method outside
// RFC 9110 and RFC 5789.
func (m *HTTP) method(s string) string {
	otel := m.conv == OpenTelemetry
	pick := func(upper, lower string) string {
		if otel {
			return upper
		}
		return lower
	}
	switch s {
	case "GET":
		return pick("GET", "get")
	case "HEAD":
		return pick("HEAD", "head")
	case "POST":
		return pick("POST", "post")
	case "PUT":
		return pick("PUT", "put")
	case "DELETE":
		return pick("DELETE", "delete")
	case "CONNECT":
		return pick("CONNECT", "connect")
	case "OPTIONS":
		return pick("OPTIONS", "options")
	case "TRACE":
		return pick("TRACE", "trace")
	case "PATCH":
		return pick("PATCH", "patch")
	}
	return pick("_OTHER", "unknown")
}

// pathTemplate returns the path of an http.ServeMux pattern, as
// OpenTelemetry's http.route wants it: "GET example.com/items/{id}" is
// "/items/{id}". A route that is no pattern (Unmatched) is returned as it
// is.
func pathTemplate(route string) string {
	if i := strings.IndexByte(route, '/'); i >= 0 {
		return route[i:]
	}
	return route
}
