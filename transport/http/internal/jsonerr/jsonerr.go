// Package jsonerr rewrites encoding/json's decode errors for the client that
// sent the JSON. encoding/json names Go types and struct fields ("cannot
// unmarshal string into Go struct field sumRequest.a of type int"): the
// server's internals, and no help to a caller who knows only the JSON. The
// rewritten error names the JSON member and kinds instead ("field "a": want
// a number, got string") and wraps the original, for errors.As.
package jsonerr

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
)

// Error is a decode error with a message for the client; Unwrap returns
// encoding/json's error.
type Error struct {
	msg string
	err error
}

// Error returns the client's message.
func (e *Error) Error() string { return e.msg }

// Unwrap returns encoding/json's error.
func (e *Error) Unwrap() error { return e.err }

// Rewrite returns err with a message that names no Go type when it is one of
// encoding/json's decode errors, prefixed by what (say "request body"), and
// err unchanged otherwise (an UnmarshalJSON method's own error, a read
// error).
func Rewrite(what string, err error) error {
	var (
		te *json.UnmarshalTypeError
		se *json.SyntaxError
		ie *json.InvalidUnmarshalError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		msg := fmt.Sprintf("%s: want %s, got %s", what, kind(te.Type), te.Value)
		if te.Field != "" {
			msg = fmt.Sprintf("%s: field %q: want %s, got %s", what, te.Field, kind(te.Type), te.Value)
		}
		return &Error{msg: msg, err: err}
	case errors.As(err, &se):
		return &Error{msg: fmt.Sprintf("%s: invalid JSON at byte %d: %v", what, se.Offset, se), err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{msg: what + ": unexpected end of JSON input", err: err}
	case errors.As(err, &ie):
		// A programming error on the server, not the caller's.
		return &Error{msg: what + ": cannot be decoded", err: err}
	}
	return err
}

// kind describes what JSON a Go type accepts.
func kind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a different value"
}
