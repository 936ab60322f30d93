package log_test

import (
	"bytes"
	stdlog "log"
	"testing"

	"github.com/endpointkit/kit/log"
)

func TestStdlibAdapter(t *testing.T) {
	for _, tc := range []struct {
		name    string
		flags   int
		prefix  string
		options []log.StdlibAdapterOption
		want    string
	}{
		{"no flags", 0, "", nil, "msg=hello\n"},
		{"date time", stdlog.Ldate | stdlog.Ltime, "", nil, `ts="DATE TIME" msg=hello` + "\n"},
		{"time micro file", stdlog.Lmicroseconds | stdlog.Lshortfile, "", nil, `ts=MICRO caller=stdlib_test.go:LINE msg=hello` + "\n"},
		{"prefix", stdlog.Ltime, "svc: ", []log.StdlibAdapterOption{log.Prefix("svc: ", false)}, `ts=TIME prefix=svc: msg=hello` + "\n"},
		{"prefix joined", 0, "svc: ", []log.StdlibAdapterOption{log.Prefix("svc: ", true)}, `msg="svc: hello"` + "\n"},
		{"msgprefix", stdlog.Lshortfile | stdlog.Lmsgprefix, "[x] ", []log.StdlibAdapterOption{log.Prefix("[x] ", false)}, `caller=stdlib_test.go:LINE prefix=[x] msg=hello` + "\n"},
		{"keys", stdlog.Ltime | stdlog.Lshortfile, "", []log.StdlibAdapterOption{log.TimestampKey("t"), log.FileKey("f"), log.MessageKey("m")}, `t=TIME f=stdlib_test.go:LINE m=hello` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			std := stdlog.New(log.NewStdlibAdapter(log.NewLogfmtLogger(&buf), tc.options...), tc.prefix, tc.flags)
			std.Print("hello")
			got := normalise(buf.String())
			if got != tc.want {
				t.Errorf("std log through adapter = %q (raw %q), want %q", got, buf.String(), tc.want)
			}
		})
	}
}

// normalise replaces the digits of dates, times and line numbers with
// placeholders, so that the expected lines are stable.
func normalise(s string) string {
	s = replaceShape(s, "dddd/dd/dd dd:dd:dd", "DATE TIME")
	s = replaceShape(s, "dd:dd:dd.dddddd", "MICRO")
	s = replaceShape(s, "dd:dd:dd", "TIME")
	for _, key := range []string{"caller=stdlib_test.go:", "f=stdlib_test.go:"} {
		if i := bytes.Index([]byte(s), []byte(key)); i >= 0 {
			j := i + len(key)
			k := j
			for k < len(s) && s[k] >= '0' && s[k] <= '9' {
				k++
			}
			s = s[:j] + "LINE" + s[k:]
		}
	}
	return s
}

func replaceShape(s, shape, with string) string {
	for i := 0; i+len(shape) <= len(s); i++ {
		ok := true
		for j := 0; j < len(shape); j++ {
			c := s[i+j]
			if shape[j] == 'd' && (c < '0' || c > '9') || shape[j] != 'd' && c != shape[j] {
				ok = false
				break
			}
		}
		if ok {
			return s[:i] + with + s[i+len(shape):]
		}
	}
	return s
}
