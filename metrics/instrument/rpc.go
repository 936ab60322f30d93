package instrument

import (
	"strconv"
	"strings"
	"time"

	"github.com/endpointkit/kit/metrics"
)

// RPC records gRPC server call metrics: a call counter and a duration
// histogram (seconds) labelled by call type, service, method and status
// code, named by a [Convention] (see [GRPCServerSpec]). transport/grpc's
// ServerMetrics middleware records into one.
//
// It is safe for concurrent use. Build one with [NewRPC], or with the ready
// constructors of metrics/prometheus and metrics/otel.
type RPC struct {
	conv Convention
	spec Spec
	in   instruments[rpcKey]
}

type rpcKey struct {
	typ, fullMethod string
	code            uint32
}

// NewRPC returns an RPC recording into requests and duration, whose label
// names must be those of GRPCServerSpec(c).Labels. A nil requests (the
// OpenTelemetry convention has no counter) or duration records nothing.
func NewRPC(c Convention, requests metrics.Counter, duration metrics.Histogram) *RPC {
	m := &RPC{conv: c, spec: GRPCServerSpec(c)}
	m.in.init(requests, duration)
	return m
}

// Observe records one call: its type ("unary", "client_stream",
// "server_stream" or "bidi_stream"), its full method name
// ("/pkg.Service/Method"), its gRPC status code (0 for OK ... 16 for
// Unauthenticated) and how long it took.
//
// For a label set seen before it allocates nothing.
func (m *RPC) Observe(typ, fullMethod string, code uint32, d time.Duration) {
	s := m.in.get(rpcKey{typ, fullMethod, code}, func() []string { return m.labels(typ, fullMethod, code) })
	s.requests.Add(1)
	s.duration.Observe(d.Seconds())
}

func (m *RPC) labels(typ, fullMethod string, code uint32) []string {
	name := strings.TrimPrefix(fullMethod, "/")
	if m.conv == OpenTelemetry {
		return pairs(m.spec.Labels, "grpc", name, codeName(code, true))
	}
	service, method := "unknown", name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		service, method = name[:i], name[i+1:]
	}
	return pairs(m.spec.Labels, typ, service, method, codeName(code, false))
}

// codeNames are gRPC's status code names, as grpc-go's codes.Code.String
// spells them (go-grpc-prometheus' grpc_code) and in upper snake case, as
// the gRPC specification and OpenTelemetry's rpc.response.status_code do.
var codeNames = [...][2]string{
	{"OK", "OK"},
	{"Canceled", "CANCELLED"},
	{"Unknown", "UNKNOWN"},
	{"InvalidArgument", "INVALID_ARGUMENT"},
	{"DeadlineExceeded", "DEADLINE_EXCEEDED"},
	{"NotFound", "NOT_FOUND"},
	{"AlreadyExists", "ALREADY_EXISTS"},
	{"PermissionDenied", "PERMISSION_DENIED"},
	{"ResourceExhausted", "RESOURCE_EXHAUSTED"},
	{"FailedPrecondition", "FAILED_PRECONDITION"},
	{"Aborted", "ABORTED"},
	{"OutOfRange", "OUT_OF_RANGE"},
	{"Unimplemented", "UNIMPLEMENTED"},
	{"Internal", "INTERNAL"},
	{"Unavailable", "UNAVAILABLE"},
	{"DataLoss", "DATA_LOSS"},
	{"Unauthenticated", "UNAUTHENTICATED"},
}

func codeName(code uint32, upper bool) string {
	if int(code) < len(codeNames) {
		if upper {
			return codeNames[code][1]
		}
		return codeNames[code][0]
	}
	return strconv.FormatUint(uint64(code), 10)
}
