package thrift_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/endpointkit/kit/endpoint"
	kitthrift "github.com/endpointkit/kit/transport/thrift"
	"github.com/endpointkit/kit/transport/thrift/internal/thrifttest"
)

var protocolCases = []struct {
	name     string
	protocol kitthrift.Protocol
	framed   bool
}{
	{"header", kitthrift.ProtocolHeader, false},
	{"binary", kitthrift.ProtocolBinary, false},
	{"binary-framed", kitthrift.ProtocolBinary, true},
	{"compact", kitthrift.ProtocolCompact, false},
	{"compact-framed", kitthrift.ProtocolCompact, true},
	{"json", kitthrift.ProtocolJSON, false},
	{"json-framed", kitthrift.ProtocolJSON, true},
}

func clientOptions(p kitthrift.Protocol, framed bool) []kitthrift.ClientOption {
	opts := []kitthrift.ClientOption{kitthrift.ClientProtocol(p)}
	if framed {
		opts = append(opts, kitthrift.ClientFramed())
	}
	return opts
}

// TestRoundTrip calls a kit server with kit's client over every protocol:
// results, declared exceptions, errors mapped by the failure model without
// their text, and a panic; the connection keeps serving after each.
func TestRoundTrip(t *testing.T) {
	for _, tc := range protocolCases {
		t.Run(tc.name, func(t *testing.T) {
			var handled errorLog
			addr, _ := startServer(t, newTestService(kitthrift.ServerErrorHandler(&handled)),
				kitthrift.ConnSettings{Protocol: tc.protocol, Framed: tc.framed})
			c := kitthrift.NewClient(addr, echoCall, append(clientOptions(tc.protocol, tc.framed), kitthrift.ClientMaxIdleConns(1))...)
			defer c.Close()
			echo := c.Endpoint()
			ctx := context.Background()

			for _, in := range []string{"hello", "", strings.Repeat("x", 100_000), "héllo\x00"} {
				got, err := echo(ctx, in)
				if err != nil || got != in {
					t.Fatalf("Echo(%.20q) = %.20q, %v; want it back", in, got, err)
				}
			}

			_, err := echo(ctx, "refuse")
			var refused *thrifttest.Refused
			if !errors.As(err, &refused) || refused.Reason != "no" {
				t.Errorf("Echo(refuse) err = %v (%T), want *Refused{no}", err, err)
			}

			cases := []struct {
				in       string
				typ      int32
				msg      string
				kind     endpoint.Kind
				internal string // what must reach the error handler only
			}{
				{"fail", thrift.INTERNAL_ERROR, "internal error", endpoint.DependencyFailure, "hunter2"},
				{"limit", kitthrift.ExceptionOverloaded, "overloaded", endpoint.Overloaded, "limit reached"},
				{"panic", thrift.INTERNAL_ERROR, "internal error", endpoint.DependencyFailure, "boom: secret"},
			}
			for _, cse := range cases {
				_, err := echo(ctx, cse.in)
				var ae *kitthrift.ApplicationError
				if !errors.As(err, &ae) {
					t.Fatalf("Echo(%s) err = %v (%T), want *ApplicationError", cse.in, err, err)
				}
				if ae.Type != cse.typ || ae.Message != cse.msg {
					t.Errorf("Echo(%s) exception = %d %q, want %d %q", cse.in, ae.Type, ae.Message, cse.typ, cse.msg)
				}
				if o := endpoint.Classify(ctx, nil, err); o.Kind != cse.kind {
					t.Errorf("Classify(Echo(%s) error) = %v, want %v", cse.in, o, cse.kind)
				}
				if strings.Contains(err.Error(), cse.internal) {
					t.Errorf("Echo(%s) error %q leaks %q", cse.in, err, cse.internal)
				}
				errs := handled.all()
				if len(errs) == 0 || !strings.Contains(errs[len(errs)-1].Error(), cse.internal) {
					t.Errorf("Echo(%s): error handler saw %v, want an error with %q", cse.in, errs, cse.internal)
				}
			}
			var pe *kitthrift.PanicError
			if errs := handled.all(); !errors.As(errs[len(errs)-1], &pe) || pe.Value != "boom: secret" || len(pe.Stack) == 0 {
				t.Errorf("error handler's last error = %v, want the *PanicError with its value and stack", errs[len(errs)-1])
			}
			if got, err := echo(ctx, "after"); err != nil || got != "after" {
				t.Errorf("Echo(after) = %v, %v; want after", got, err)
			}
		})
	}
}

// TestHeaders sends headers with ClientBefore, reads them with ServerBefore,
// answers with ServerAfter and reads those with ClientAfter.
func TestHeaders(t *testing.T) {
	type key struct{}
	svc := &testService{echo: kitthrift.NewServer(
		func(ctx context.Context, req any) (any, error) { return ctx.Value(key{}), nil },
		identity, identity,
		kitthrift.ServerBefore(func(ctx context.Context, h thrift.THeaderMap) context.Context {
			return context.WithValue(ctx, key{}, h["request-id"])
		}),
		kitthrift.ServerAfter(func(ctx context.Context, h thrift.THeaderMap) context.Context {
			h["served-by"] = "kit"
			return ctx
		}),
	)}
	addr, _ := startServer(t, svc, kitthrift.ConnSettings{})
	var got string
	c := kitthrift.NewClient(addr, echoCall,
		kitthrift.ClientBefore(func(ctx context.Context, h thrift.THeaderMap) context.Context {
			h["request-id"] = "r-42"
			return ctx
		}),
		kitthrift.ClientAfter(func(ctx context.Context, h thrift.THeaderMap) context.Context {
			got = h["served-by"]
			return ctx
		}))
	defer c.Close()
	resp, err := c.Endpoint()(context.Background(), "x")
	if err != nil || resp != "r-42" {
		t.Fatalf("Echo = %v, %v; want the request-id header r-42 seen by the server", resp, err)
	}
	if got != "kit" {
		t.Errorf("response header served-by = %q, want kit", got)
	}
}

// TestTimeoutHeader checks the deadline a client sends and each
// TimeoutPolicy.
func TestTimeoutHeader(t *testing.T) {
	type seen struct {
		ok    bool
		left  time.Duration
		cause error
	}
	// run calls the server; wait says whether to wait for the endpoint's
	// report (it must not run when the header refuses the call).
	run := func(t *testing.T, policy kitthrift.TimeoutPolicy, header string, budget time.Duration, wait bool) (seen, error) {
		t.Helper()
		ch := make(chan seen, 1)
		svc := &testService{echo: kitthrift.NewServer(func(ctx context.Context, req any) (any, error) {
			dl, ok := ctx.Deadline()
			s := seen{ok: ok, left: time.Until(dl)}
			if ok {
				<-ctx.Done()
				s.cause = context.Cause(ctx)
			}
			ch <- s
			return "done", nil
		}, identity, identity, kitthrift.ServerTimeoutPolicy(policy))}
		addr, _ := startServer(t, svc, kitthrift.ConnSettings{})
		var opts []kitthrift.ClientOption
		if header != "" {
			opts = append(opts, kitthrift.ClientBefore(func(ctx context.Context, h thrift.THeaderMap) context.Context {
				h[kitthrift.TimeoutHeader] = header
				return ctx
			}))
		}
		c := kitthrift.NewClient(addr, echoCall, opts...)
		defer c.Close()
		ctx := context.Background()
		if budget > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, budget)
			defer cancel()
		}
		_, err := c.Endpoint()(ctx, "x")
		if wait {
			return <-ch, err
		}
		select {
		case s := <-ch:
			return s, err
		default:
			return seen{}, err
		}
	}

	t.Run("honoured", func(t *testing.T) {
		s, _ := run(t, kitthrift.TimeoutPolicy{}, "", 200*time.Millisecond, true)
		if !s.ok || s.left > 200*time.Millisecond || s.left <= 0 {
			t.Errorf("endpoint's deadline: ok=%v left=%v, want one within the caller's 200ms", s.ok, s.left)
		}
		if errors.Is(s.cause, endpoint.ErrTimeout) {
			t.Errorf("cause = %v: the caller's deadline is not this hop's timeout", s.cause)
		}
	})
	t.Run("capped", func(t *testing.T) {
		s, _ := run(t, kitthrift.CapTimeout(20*time.Millisecond), "60000", 0, true)
		if !s.ok || s.left > 20*time.Millisecond {
			t.Errorf("endpoint's deadline: ok=%v left=%v, want the 20ms cap", s.ok, s.left)
		}
		if !errors.Is(s.cause, endpoint.ErrTimeout) {
			t.Errorf("cause = %v, want endpoint.ErrTimeout (the cap is this server's own limit)", s.cause)
		}
	})
	t.Run("default cap", func(t *testing.T) {
		ch := make(chan time.Duration, 1)
		svc := &testService{echo: kitthrift.NewServer(func(ctx context.Context, req any) (any, error) {
			dl, _ := ctx.Deadline()
			ch <- time.Until(dl)
			return "", nil
		}, identity, identity)}
		addr, _ := startServer(t, svc, kitthrift.ConnSettings{})
		c := kitthrift.NewClient(addr, echoCall, kitthrift.ClientBefore(func(ctx context.Context, h thrift.THeaderMap) context.Context {
			h[kitthrift.TimeoutHeader] = "99999999999"
			return ctx
		}))
		defer c.Close()
		if _, err := c.Endpoint()(context.Background(), "x"); err != nil {
			t.Fatal(err)
		}
		if left := <-ch; left > kitthrift.DefaultTimeoutCap {
			t.Errorf("deadline %v away, want at most DefaultTimeoutCap", left)
		}
	})
	t.Run("honoured beyond the cap", func(t *testing.T) {
		ch := make(chan time.Duration, 1)
		svc := &testService{echo: kitthrift.NewServer(func(ctx context.Context, req any) (any, error) {
			dl, _ := ctx.Deadline()
			ch <- time.Until(dl)
			return "", nil
		}, identity, identity, kitthrift.ServerTimeoutPolicy(kitthrift.HonorTimeout()))}
		addr, _ := startServer(t, svc, kitthrift.ConnSettings{})
		c := kitthrift.NewClient(addr, echoCall, kitthrift.ClientBefore(func(ctx context.Context, h thrift.THeaderMap) context.Context {
			h[kitthrift.TimeoutHeader] = "3600000" // an hour
			return ctx
		}))
		defer c.Close()
		if _, err := c.Endpoint()(context.Background(), "x"); err != nil {
			t.Fatal(err)
		}
		if left := <-ch; left <= kitthrift.DefaultTimeoutCap {
			t.Errorf("deadline %v away, want the caller's hour", left)
		}
	})
	t.Run("ignored", func(t *testing.T) {
		s, err := run(t, kitthrift.IgnoreTimeout(), "5", 0, true)
		if err != nil || s.ok {
			t.Errorf("err=%v deadline=%v, want no deadline on the endpoint", err, s.ok)
		}
	})
	for _, tc := range []struct {
		header string
		typ    int32
		kind   endpoint.Kind
	}{
		{"0", kitthrift.ExceptionTimeout, endpoint.DependencyFailure},
		{"-5", kitthrift.ExceptionTimeout, endpoint.DependencyFailure},
		{"soon", thrift.PROTOCOL_ERROR, endpoint.CallerError},
		{"1e3", thrift.PROTOCOL_ERROR, endpoint.CallerError},
	} {
		t.Run(fmt.Sprintf("header %q", tc.header), func(t *testing.T) {
			s, err := run(t, kitthrift.TimeoutPolicy{}, tc.header, 0, false)
			var ae *kitthrift.ApplicationError
			if !errors.As(err, &ae) || ae.Type != tc.typ {
				t.Fatalf("err = %v, want an exception of type %d", err, tc.typ)
			}
			if s != (seen{}) {
				t.Errorf("the endpoint ran; it must not for header %q", tc.header)
			}
			if o := endpoint.Classify(context.Background(), nil, err); o.Kind != tc.kind {
				t.Errorf("Classify = %v, want %v", o, tc.kind)
			}
		})
	}
}
