package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/endpointkit/kit/fault"
)

// TestFaultFlags checks that bad -fault.* values stop addsvc at start with
// an error naming the flags.
func TestFaultFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-fault.error-p", "1.5"},
		{"-fault.error-kind", "loud", "-fault.error-p", "1"},
		{"-fault.latency", "-1s"},
		{"-fault.latency-p", "0.5"},
		{"-fault.hang-p", "-0.1"},
	} {
		var stderr strings.Builder
		if err := serve(append(args, "-debug-addr", "127.0.0.1:nope"), &stderr); err == nil || !strings.Contains(err.Error(), "-fault") {
			t.Errorf("serve(%v) = %v, want an error naming -fault", args, err)
		}
	}
}

// TestFaultHandler checks /debug/fault: GET answers the settings in force,
// PUT replaces them, invalid ones are refused with 400 and change nothing,
// other methods get 405.
func TestFaultHandler(t *testing.T) {
	in, err := fault.NewInjector(fault.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	h := faultHandler(in)
	call := func(method, body string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/debug/fault", strings.NewReader(body)))
		b, _ := io.ReadAll(rec.Body)
		return rec.Code, strings.TrimSpace(string(b))
	}
	const off = `{"latency":"0s","latency-p":0,"error-p":0,"error-kind":"unavailable","hang-p":0,"drop-p":0}`
	if code, body := call(http.MethodGet, ""); code != 200 || body != off {
		t.Errorf("GET: %d %s, want 200 %s", code, body, off)
	}
	const on = `{"latency":"20ms","latency-p":0.5,"error-p":0.25,"error-kind":"caller","hang-p":0.1,"drop-p":0.01}`
	if code, body := call(http.MethodPut, on); code != 200 || body != on {
		t.Errorf("PUT: %d %s, want 200 %s", code, body, on)
	}
	if code, _ := call(http.MethodPut, `{"drop-p":7}`); code != http.StatusBadRequest {
		t.Errorf("PUT drop-p 7: %d, want 400", code)
	}
	if code, body := call(http.MethodGet, ""); code != 200 || body != on {
		t.Errorf("GET after a refused PUT: %d %s, want %s", code, body, on)
	}
	if code, _ := call(http.MethodDelete, ""); code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d, want 405", code)
	}
	if code, body := call(http.MethodPut, `{}`); code != 200 || body != off {
		t.Errorf("PUT {}: %d %s, want %s", code, body, off)
	}
}
