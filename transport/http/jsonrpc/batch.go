package jsonrpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// serveBatch answers a batch: an array of responses, or nil when it held
// only notifications.
func (s *Server) serveBatch(ctx context.Context, raws []json.RawMessage, e *Error) ([]byte, int) {
	if e != nil {
		out, _ := json.Marshal(s.errorResponse(ctx, null, e))
		return out, http.StatusBadRequest
	}
	resps := make([]*Response, 0, len(raws))
	for _, raw := range raws {
		if resp, _ := s.serveOne(ctx, raw); resp != nil {
			resps = append(resps, resp)
		}
	}
	if len(resps) == 0 {
		return nil, http.StatusNoContent
	}
	out, _ := json.Marshal(resps)
	return out, http.StatusOK
}

// splitBatch reads the JSON array at the start of r and returns its
// members, which must be 1 to max. It counts members as it scans and stops
// at max+1, so that a huge batch costs no more than reading as far as the
// limit: unmarshaling the body whole into a []json.RawMessage first cost
// some 60 bytes and one allocation per member (264 MiB and two million
// allocations for 4 MiB of [1,1,...]). e is the JSON-RPC error of a batch
// that is not valid JSON or has the wrong size; readErr an error reading
// r (a body over the limit, a connection that failed).
func splitBatch(r io.Reader, max int) (raws []json.RawMessage, e *Error, readErr error) {
	dec := json.NewDecoder(r)
	// fail sorts an error of dec: JSON's own, or the reader's.
	fail := func(err error) ([]json.RawMessage, *Error, error) {
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, errParse(), nil
		}
		return nil, nil, err
	}
	if _, err := dec.Token(); err != nil { // '[': the caller checked
		return fail(err)
	}
	for dec.More() {
		if len(raws) == max {
			return nil, &Error{Code: InvalidRequest, Message: fmt.Sprintf("batch too large: more than %d calls", max)}, nil
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fail(err)
		}
		raws = append(raws, raw)
	}
	if _, err := dec.Token(); err != nil { // ']'
		return fail(err)
	}
	if _, err := dec.Token(); err != io.EOF { // nothing after the array
		if err == nil {
			return nil, errParse(), nil
		}
		return fail(err)
	}
	if len(raws) == 0 {
		return nil, &Error{Code: InvalidRequest, Message: "empty batch"}, nil
	}
	return raws, nil, nil
}

// errParse is the error of a body that is not valid JSON.
func errParse() *Error { return &Error{Code: ParseError, Message: "parse error: not valid JSON"} }
