package otel

import (
	"reflect"
	"strconv"
)

// typeName is the Go type of err, as package.Type ("*url.Error",
// "*errors.errorString"), or "_OTHER" when reflection finds no name.
func typeName(err error) string {
	t := reflect.TypeOf(err)
	if t == nil {
		return "_OTHER"
	}
	if s := t.String(); s != "" {
		return s
	}
	return "_OTHER"
}

// statusText is the decimal text of an HTTP status, without allocating for
// the common ones.
func statusText(code int) string {
	switch code {
	case 200:
		return "200"
	case 400:
		return "400"
	case 404:
		return "404"
	case 500:
		return "500"
	case 503:
		return "503"
	}
	return strconv.Itoa(code)
}
