package circuitbreaker_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/endpointkit/kit/circuitbreaker"
)

type statusErr int

func (e statusErr) Error() string   { return fmt.Sprintf("status %d", int(e)) }
func (e statusErr) StatusCode() int { return int(e) }

type clientErr struct{}

func (clientErr) Error() string     { return "bad input" }
func (clientErr) ClientError() bool { return true }

type failerResp struct{ err error }

func (r failerResp) Failed() error { return r.err }

func TestDefaultClassify(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), -1)
	defer cancel2()
	bg := context.Background()
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		ctx  context.Context
		resp any
		err  error
		want circuitbreaker.Outcome
	}{
		{"nil error", bg, "ok", nil, circuitbreaker.Success},
		{"business error in a Failer", bg, failerResp{boom}, nil, circuitbreaker.Success},
		{"plain error", bg, nil, boom, circuitbreaker.Failure},
		{"caller canceled", canceled, nil, context.Canceled, circuitbreaker.Ignore},
		{"caller canceled, transport error", canceled, nil, boom, circuitbreaker.Ignore},
		{"deadline expired", expired, nil, context.DeadlineExceeded, circuitbreaker.Failure},
		{"client error", bg, nil, fmt.Errorf("wrapped: %w", clientErr{}), circuitbreaker.Success},
		{"status 404", bg, nil, statusErr(404), circuitbreaker.Success},
		{"status 429", bg, nil, statusErr(429), circuitbreaker.Failure},
		{"status 408", bg, nil, statusErr(408), circuitbreaker.Failure},
		{"status 503", bg, nil, statusErr(503), circuitbreaker.Failure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := circuitbreaker.DefaultClassify(tc.ctx, tc.resp, tc.err); got != tc.want {
				t.Errorf("DefaultClassify(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestErrThrottledIsErrOpen(t *testing.T) {
	if !errors.Is(circuitbreaker.ErrThrottled, circuitbreaker.ErrOpen) {
		t.Error("errors.Is(ErrThrottled, ErrOpen) = false, want true")
	}
}
