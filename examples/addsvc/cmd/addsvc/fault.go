package main

// Fault injection: addsvc can be made slow or failing on purpose, from flags
// at start and at run time on the debug listener, to prove its callers'
// stacks (retries, hedging, breakers, limits) against a real process.
//
// Flags (all off by default):
//
//	-fault.latency d       added delay of a hit call
//	-fault.latency-p p     chance a call is delayed (default 1 when -fault.latency is set)
//	-fault.error-p p       chance a call fails
//	-fault.error-kind k    how a failed call classifies: unavailable (503, Unavailable;
//	                       the default), overloaded (429, ResourceExhausted),
//	                       caller (400, InvalidArgument) or internal (501, not retryable)
//	-fault.hang-p p        chance a call hangs until its client gives up
//	-fault.drop-p p        chance a call is dropped as a lost connection
//	-fault.seed n          seed of the draws, for reproducible runs (0: random)
//
// At run time: GET /debug/fault answers the settings in force as JSON, with
// the flags' names (without "fault."): {"latency":"100ms","latency-p":1,
// "error-p":0,"error-kind":"unavailable","hang-p":0,"drop-p":0}; PUT
// /debug/fault replaces them with the JSON body (omitted fields are zero;
// {} turns every fault off). Invalid settings are refused with 400 Bad
// Request and the settings in force stay.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/fault"
	"github.com/endpointkit/kit/ratelimit"
)

// faultConfig is the flags' and the debug endpoint's form of fault.Settings.
type faultConfig struct {
	Latency   duration `json:"latency"`
	LatencyP  float64  `json:"latency-p"`
	ErrorP    float64  `json:"error-p"`
	ErrorKind string   `json:"error-kind"`
	HangP     float64  `json:"hang-p"`
	DropP     float64  `json:"drop-p"`
}

// duration is a time.Duration in JSON as Go writes it ("100ms").
type duration time.Duration

func (d duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("latency: want a duration such as \"100ms\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("latency: %w", err)
	}
	*d = duration(v)
	return nil
}

// errorKinds maps -fault.error-kind to the Outcome of the injected error.
var errorKinds = map[string]endpoint.Outcome{
	"unavailable": {Kind: endpoint.DependencyFailure, Retryable: true},
	"overloaded":  {Kind: endpoint.Overloaded, Retryable: true},
	"caller":      {Kind: endpoint.CallerError},
	"internal":    {Kind: endpoint.DependencyFailure},
}

// settings validates c and returns it as fault.Settings.
func (c faultConfig) settings() (fault.Settings, error) {
	var s fault.Settings
	if c.Latency < 0 {
		return s, errors.New("latency must not be negative")
	}
	latencyP := c.LatencyP
	if c.Latency > 0 && latencyP == 0 {
		latencyP = 1
	}
	if c.Latency == 0 && c.LatencyP != 0 {
		return s, errors.New("latency-p needs a latency")
	}
	s.Latency = fault.Latency{Trigger: fault.Trigger{Probability: latencyP}, Fixed: time.Duration(c.Latency)}
	kind := c.ErrorKind
	if kind == "" {
		kind = "unavailable"
	}
	o, ok := errorKinds[kind]
	if !ok {
		return s, fmt.Errorf("error-kind %q: want unavailable, overloaded, caller or internal", c.ErrorKind)
	}
	if c.ErrorP > 0 {
		s.Error = fault.Failure{Trigger: fault.Trigger{Probability: c.ErrorP}, Outcome: o}
	}
	s.Hang = fault.Trigger{Probability: c.HangP}
	s.Drop = fault.Drop{Trigger: fault.Trigger{Probability: c.DropP}}
	// fault validates the probabilities; a trial Injector tells without
	// touching the one in service.
	if _, err := fault.NewInjector(s); err != nil {
		return s, err
	}
	return s, nil
}

// faultMiddleware is in's middleware with its injected errors dressed for
// the wire: an overloaded one as a limiter's refusal (ratelimit.ErrLimited:
// 429 with Retry-After, ResourceExhausted, Thrift's Limited), the others
// with the HTTP status and gRPC code of their Outcome (400 and
// InvalidArgument for caller, 503 and Unavailable for unavailable, 501 and
// Internal for internal). Dropped calls look unavailable too.
func faultMiddleware(in *fault.Injector) endpoint.Middleware {
	inject := in.Middleware()
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		e := inject(next)
		return func(ctx context.Context, req any) (any, error) {
			resp, err := e(ctx, req)
			if err == nil {
				return resp, nil
			}
			var ie *fault.InjectedError
			switch {
			case errors.As(err, &ie) && ie.Outcome().Kind == endpoint.Overloaded:
				return resp, fmt.Errorf("%w (%w)", ratelimit.ErrLimited, err)
			case errors.As(err, &ie):
				return resp, &faultError{err: err, outcome: ie.Outcome()}
			case errors.Is(err, fault.ErrDropped):
				return resp, &faultError{err: err, outcome: endpoint.Outcome{Kind: endpoint.DependencyFailure, Retryable: true}}
			}
			return resp, err
		}
	}
}

// faultError is an injected error with its status on HTTP and gRPC.
type faultError struct {
	err     error
	outcome endpoint.Outcome
}

func (e *faultError) Error() string { return e.err.Error() }
func (e *faultError) Unwrap() error { return e.err }

// StatusCode is the HTTP status endpoint.OutcomeOfStatus maps back to the
// error's Outcome.
func (e *faultError) StatusCode() int {
	switch {
	case e.outcome.Kind == endpoint.CallerError:
		return http.StatusBadRequest
	case e.outcome.Retryable:
		return http.StatusServiceUnavailable
	}
	return http.StatusNotImplemented
}

// GRPCStatus is the gRPC status of the error's Outcome.
func (e *faultError) GRPCStatus() *status.Status {
	switch {
	case e.outcome.Kind == endpoint.CallerError:
		return status.New(codes.InvalidArgument, e.err.Error())
	case e.outcome.Retryable:
		return status.New(codes.Unavailable, e.err.Error())
	}
	return status.New(codes.Internal, e.err.Error())
}

// faultFlags holds the -fault.* flags.
type faultFlags struct {
	cfg  faultConfig
	seed int64
}

// registerFaultFlags defines the -fault.* flags on fs.
func registerFaultFlags(fs *flag.FlagSet) *faultFlags {
	f := &faultFlags{}
	fs.Func("fault.latency", "delay added to calls, e.g. 100ms (fault injection; off by default)", func(s string) error {
		d, err := time.ParseDuration(s)
		f.cfg.Latency = duration(d)
		return err
	})
	fs.Float64Var(&f.cfg.LatencyP, "fault.latency-p", 0, "chance in [0, 1] that a call is delayed by -fault.latency (0: every call)")
	fs.Float64Var(&f.cfg.ErrorP, "fault.error-p", 0, "chance in [0, 1] that a call fails with -fault.error-kind")
	fs.StringVar(&f.cfg.ErrorKind, "fault.error-kind", "unavailable", "how an injected error classifies: unavailable (503), overloaded (429), caller (400) or internal (501)")
	fs.Float64Var(&f.cfg.HangP, "fault.hang-p", 0, "chance in [0, 1] that a call hangs until its client gives up")
	fs.Float64Var(&f.cfg.DropP, "fault.drop-p", 0, "chance in [0, 1] that a call is dropped as a lost connection")
	fs.Int64Var(&f.seed, "fault.seed", 0, "seed of the fault draws, for reproducible runs (0: random)")
	return f
}

// injector returns the Injector the flags describe, disabled when they
// inject nothing.
func (f *faultFlags) injector() (*fault.Injector, error) {
	s, err := f.cfg.settings()
	if err != nil {
		return nil, fmt.Errorf("-fault.*: %w", err)
	}
	if f.seed != 0 {
		return fault.NewInjector(s, f.seed)
	}
	return fault.NewInjector(s)
}

// faultHandler serves GET and PUT /debug/fault for in.
func faultHandler(in *fault.Injector) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
		case http.MethodPut:
			dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
			dec.DisallowUnknownFields()
			var c faultConfig
			if err := dec.Decode(&c); err != nil {
				http.Error(w, "fault settings: "+err.Error(), http.StatusBadRequest)
				return
			}
			s, err := c.settings()
			if err == nil {
				err = in.Set(s)
			}
			if err != nil {
				http.Error(w, "fault settings: "+err.Error(), http.StatusBadRequest)
				return
			}
		default:
			w.Header().Set("Allow", "GET, PUT")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(configOf(in.Settings()))
	})
}

// configOf is the inverse of faultConfig.settings.
func configOf(s fault.Settings) faultConfig {
	c := faultConfig{
		Latency: duration(s.Latency.Fixed), ErrorP: s.Error.Probability,
		HangP: s.Hang.Probability, DropP: s.Drop.Probability, ErrorKind: "unavailable",
	}
	if s.Latency.Fixed > 0 {
		c.LatencyP = s.Latency.Probability
	}
	o := s.Error.Outcome
	for name, k := range errorKinds {
		if k == o && s.Error.Probability > 0 {
			c.ErrorKind = name
		}
	}
	return c
}
