package jsonrpc_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/endpointkit/kit/endpoint"
	"github.com/endpointkit/kit/transport/http/jsonrpc"
)

// TestBatchLimitBoundsMemory sends one 4 MiB batch of [1,1,...] (about two
// million members, far over the limit of 100) and checks that refusing it
// costs memory in proportion to the body, not to its member count: the
// limit must be checked while the array is scanned, not after it was
// parsed whole.
func TestBatchLimitBoundsMemory(t *testing.T) {
	const size = 4<<20 - 16 // just under the default body limit
	body := make([]byte, 0, size)
	body = append(body, '[')
	for len(body) < size-2 {
		body = append(body, '1', ',')
	}
	body = append(body, '1', ']')
	srv := jsonrpc.NewServer(jsonrpc.EndpointCodecMap{
		"nop": {Endpoint: endpoint.Nop, Decode: jsonrpc.DecodeParams[json.RawMessage], Encode: jsonrpc.EncodeResult},
	})

	serve := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	serve() // warm up whatever is allocated once
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rec := serve()
	runtime.ReadMemStats(&after)

	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "batch too large") {
		t.Fatalf("4 MiB batch: got %d %s, want 400 batch too large", rec.Code, rec.Body)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	// The batch is scanned as it is read and refused at its 101st member,
	// so refusing it costs a few KiB (reading it whole would cost its 4
	// MiB; parsing it whole cost 264 MiB).
	if limit := uint64(size / 16); allocated > limit {
		t.Errorf("refusing a 4 MiB batch allocated %.1f MiB, want at most %d KiB (a sixteenth of the body)", float64(allocated)/(1<<20), limit>>10)
	}
	t.Logf("refusing a %.1f MiB batch allocated %.1f MiB in %d allocations", float64(size)/(1<<20), float64(allocated)/(1<<20), after.Mallocs-before.Mallocs)
}
