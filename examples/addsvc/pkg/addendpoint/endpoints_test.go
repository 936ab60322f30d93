package addendpoint_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addendpoint"
	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
	"github.com/endpointkit/kit/log"
)

func TestSetCarriesBusinessErrors(t *testing.T) {
	var logged []any
	logger := log.LoggerFunc(func(kv ...any) error { logged = append(logged, kv...); return nil })
	set := addendpoint.New(addservice.New(), logger)

	resp, err := set.SumEndpoint(context.Background(), addendpoint.SumRequest{A: 1 << 62, B: 1 << 62})
	if err != nil {
		t.Fatalf("SumEndpoint(overflow): err = %v, want a response carrying the business error", err)
	}
	if f, ok := resp.(endpoint.Failer); !ok || !errors.Is(f.Failed(), addservice.ErrIntOverflow) {
		t.Errorf("SumEndpoint(overflow) = %#v, want a Failer with ErrIntOverflow", resp)
	}
	if len(logged) == 0 || logged[1] != "sum" {
		t.Errorf("logged %v, want method=sum first", logged)
	}
	if _, err := set.SumEndpoint(context.Background(), "not a request"); !errors.Is(err, endpoint.ErrWrongType) {
		t.Errorf("SumEndpoint(wrong type): err = %v, want ErrWrongType", err)
	}
	if v, err := set.Concat(context.Background(), "a", "b"); v != "ab" || err != nil {
		t.Errorf("Set.Concat(a, b) = %q, %v; want ab", v, err)
	}
}

func TestResponseJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   any
		json string
	}{
		{"sum", addendpoint.SumResponse{V: 3}, `{"v":3}`},
		{"sum failed", addendpoint.SumResponse{Err: addservice.ErrIntOverflow}, `{"v":0,"err":"integer overflow"}`},
		{"concat", addendpoint.ConcatResponse{V: "ab"}, `{"v":"ab"}`},
		{"concat failed", addendpoint.ConcatResponse{Err: addservice.ErrMaxSizeExceeded}, `{"v":"","err":"result exceeds maximum size"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.in)
			if err != nil || string(b) != tc.json {
				t.Fatalf("Marshal(%#v) = %s, %v; want %s", tc.in, b, err, tc.json)
			}
			var back any
			switch tc.in.(type) {
			case addendpoint.SumResponse:
				var r addendpoint.SumResponse
				err = json.Unmarshal(b, &r)
				back = r
			case addendpoint.ConcatResponse:
				var r addendpoint.ConcatResponse
				err = json.Unmarshal(b, &r)
				back = r
			}
			if err != nil || back != tc.in {
				t.Errorf("Unmarshal(%s) = %#v, %v; want %#v (the same sentinel error)", b, back, err, tc.in)
			}
		})
	}
}
