package addservice_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/endpointkit/kit/examples/addsvc/pkg/addservice"
)

func TestService(t *testing.T) {
	svc := addservice.New()
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		a, b    int
		want    int
		wantErr error
	}{
		{"small", 1, 2, 3, nil},
		{"negative", -5, 2, -3, nil},
		{"max", math.MaxInt - 1, 1, math.MaxInt, nil},
		{"overflow", math.MaxInt, 1, 0, addservice.ErrIntOverflow},
		{"underflow", math.MinInt, -1, 0, addservice.ErrIntOverflow},
	} {
		t.Run("sum "+tc.name, func(t *testing.T) {
			got, err := svc.Sum(ctx, tc.a, tc.b)
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Errorf("Sum(%d, %d) = %d, %v; want %d, %v", tc.a, tc.b, got, err, tc.want, tc.wantErr)
			}
		})
	}
	if got, err := svc.Concat(ctx, "ab", "cd"); got != "abcd" || err != nil {
		t.Errorf("Concat(ab, cd) = %q, %v; want abcd", got, err)
	}
	long := strings.Repeat("x", addservice.MaxConcatLen)
	if _, err := svc.Concat(ctx, long, "y"); !errors.Is(err, addservice.ErrMaxSizeExceeded) {
		t.Errorf("Concat(too long): err = %v, want ErrMaxSizeExceeded", err)
	}
	if err := addservice.FromMessage(addservice.ErrIntOverflow.Error()); err != addservice.ErrIntOverflow {
		t.Errorf("FromMessage(overflow) = %v, want the sentinel", err)
	}
}
