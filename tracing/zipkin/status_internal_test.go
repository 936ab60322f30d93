package zipkin

import (
	"strconv"
	"testing"
)

func TestStatusCode(t *testing.T) {
	for code := 0; code < 1000; code++ {
		if got, want := statusCode(code), strconv.Itoa(code); got != want {
			t.Errorf("statusCode(%d) = %q, want %q", code, got, want)
		}
	}
}
