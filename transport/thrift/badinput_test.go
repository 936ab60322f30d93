package thrift_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	kitthrift "github.com/endpointkit/kit/transport/thrift"
	"github.com/endpointkit/kit/transport/thrift/internal/thrifttest"
)

// binaryCall returns the bytes of an unframed strict-binary request.
func binaryCall(t testing.TB, name string, typ thrift.TMessageType, args thrift.TStruct) []byte {
	t.Helper()
	buf := thrift.NewTMemoryBuffer()
	p := thrift.NewTBinaryProtocolConf(buf, &thrift.TConfiguration{})
	ctx := context.Background()
	if err := p.WriteMessageBegin(ctx, name, typ, 1); err != nil {
		t.Fatal(err)
	}
	if err := args.Write(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteMessageEnd(ctx); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func echoArgs(s string) thrift.TStruct { return &thrifttest.TestEchoArgs{S: s} }

// theaderFrame builds a THeader frame by hand, length prefix included.
func theaderFrame(proto uint64, transforms []uint64, payload []byte) []byte {
	var h []byte
	h = binary.AppendUvarint(h, proto)
	h = binary.AppendUvarint(h, uint64(len(transforms)))
	for _, id := range transforms {
		h = binary.AppendUvarint(h, id)
	}
	for len(h)%4 != 0 {
		h = append(h, 0)
	}
	frame := []byte{0x0f, 0xff, 0, 0, 0, 0, 0, 1}
	frame = binary.BigEndian.AppendUint16(frame, uint16(len(h)/4))
	frame = append(append(frame, h...), payload...)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(frame))), frame...)
}

// zlibBomb returns a zlib stream that expands to a binary Echo request
// whose string is n zero bytes.
func zlibBomb(t testing.TB, n int) []byte {
	t.Helper()
	var out bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&out, zlib.BestSpeed)
	var head []byte
	head = binary.BigEndian.AppendUint32(head, 0x80010001) // strict binary, CALL
	head = binary.BigEndian.AppendUint32(head, 4)
	head = append(head, "Echo"...)
	head = binary.BigEndian.AppendUint32(head, 1)         // seq
	head = append(head, byte(thrift.STRING), 0, 1)        // field 1, string
	head = binary.BigEndian.AppendUint32(head, uint32(n)) // length
	_, _ = zw.Write(head)
	zeros := make([]byte, 1<<20)
	for left := n; left > 0; left -= len(zeros) {
		_, _ = zw.Write(zeros[:min(left, len(zeros))])
	}
	_ = zw.Close()
	return out.Bytes()
}

// nested returns a binary Echo request whose arguments hold an unknown
// field nesting lists depth deep.
func nested(depth int) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, 0x80010001)
	b = binary.BigEndian.AppendUint32(b, 4)
	b = append(b, "Echo"...)
	b = binary.BigEndian.AppendUint32(b, 1)
	b = append(b, byte(thrift.LIST), 0, 99) // unknown field 99
	for range depth {
		b = append(b, byte(thrift.LIST))
		b = binary.BigEndian.AppendUint32(b, 1)
	}
	return b
}

// reply reads one binary reply from nc.
func reply(t *testing.T, nc net.Conn) (name string, typ thrift.TMessageType, exc thrift.TApplicationException, err error) {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	p := thrift.NewTBinaryProtocolConf(thrift.NewStreamTransportR(nc), &thrift.TConfiguration{})
	ctx := context.Background()
	name, typ, _, err = p.ReadMessageBegin(ctx)
	if err != nil || typ != thrift.EXCEPTION {
		return name, typ, nil, err
	}
	e := thrift.NewTApplicationException(0, "")
	if err := e.Read(ctx, p); err != nil {
		return name, typ, nil, err
	}
	return name, typ, e, nil
}

// closedByServer reports whether the server closes nc (rather than leave it
// open) within a few seconds.
func closedByServer(nc net.Conn) bool {
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.Copy(io.Discard, nc)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestBadInput sends what a stranger might to a THeader server, and checks
// that each gets a clear answer (an exception, or the connection closed),
// and that the server then answers a good request.
func TestBadInput(t *testing.T) {
	valid := binaryCall(t, "Echo", thrift.CALL, echoArgs("hi"))
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(rand.N(256))
	}
	huge := append([]byte(nil), valid[:len(valid)-7]...) // up to the string's length
	huge = binary.BigEndian.AppendUint32(huge, 1<<31-1)

	cases := []struct {
		name      string
		send      []byte
		exception int32 // expected exception type, or -1 for a closed connection
		stillOpen bool  // the same connection then serves a good request
	}{
		{"random bytes", random, -1, false},
		{"truncated message", valid[:len(valid)/2], -1, false},
		{"2^31 string length", huge, thrift.PROTOCOL_ERROR, false},
		{"2^31 list size", func() []byte {
			b := nested(0)
			b[len(b)-3] = byte(thrift.LIST) // field 99: a list of 2^31-1 strings
			b = append(b, byte(thrift.STRING))
			return binary.BigEndian.AppendUint32(b, 1<<31-1)
		}(), thrift.PROTOCOL_ERROR, false},
		{"2 GiB frame", []byte{0x80, 0, 0, 0, 1, 2, 3}, -1, false},
		{"2^31-1 frame", []byte{0x7f, 0xff, 0xff, 0xff, 1, 2, 3}, -1, false},
		{"deep nesting", nested(100_000), thrift.PROTOCOL_ERROR, false},
		{"unknown method", binaryCall(t, "Nope", thrift.CALL, echoArgs("x")), thrift.UNKNOWN_METHOD, true},
		{"reply instead of call", binaryCall(t, "Echo", thrift.REPLY, echoArgs("x")), thrift.INVALID_MESSAGE_TYPE_EXCEPTION, true},
		{"bad THeader magic", func() []byte {
			f := theaderFrame(0, nil, valid)
			f[5] = 0xfe
			return f
		}(), -1, false},
		{"bad THeader length", func() []byte {
			f := theaderFrame(0, nil, valid)
			binary.BigEndian.PutUint16(f[12:], 0xffff)
			return f
		}(), -1, false},
		{"bad THeader protocol", theaderFrame(7, nil, valid), -1, false},
		{"bad THeader transform", theaderFrame(0, []uint64{3}, valid), -1, false},
		{"corrupt zlib", theaderFrame(0, []uint64{1}, []byte("not zlib at all")), -1, false},
		{"zlib bomb", theaderFrame(0, []uint64{1}, zlibBomb(t, 16<<20)), -1, false},
	}
	var handled errorLog
	addr, _ := startServer(t, newTestService(), kitthrift.ConnSettings{ErrorHandler: &handled})
	good := kitthrift.NewClient(addr, echoCall)
	defer good.Close()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			if _, err := nc.Write(tc.send); err != nil {
				t.Fatal(err)
			}
			if tc.name == "truncated message" {
				_ = nc.(*net.TCPConn).CloseWrite()
			}
			if tc.exception >= 0 {
				_, typ, exc, err := reply(t, nc)
				if err != nil || typ != thrift.EXCEPTION || exc.TypeId() != tc.exception {
					t.Fatalf("reply: type %v, exception %v, err %v; want an exception of type %d", typ, exc, err, tc.exception)
				}
			}
			if tc.stillOpen {
				if _, err := nc.Write(valid); err != nil {
					t.Fatal(err)
				}
				if _, typ, _, err := reply(t, nc); err != nil || typ != thrift.REPLY {
					t.Fatalf("good request on the same connection: type %v, err %v; want a reply", typ, err)
				}
			} else if !closedByServer(nc) {
				t.Fatalf("the server left the connection open")
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("the server allocated %d MiB for it", grew>>20)
			}
			if got, err := good.Endpoint()(context.Background(), "good"); err != nil || got != "good" {
				t.Fatalf("good request afterwards = %v, %v", got, err)
			}
		})
	}
	for _, err := range handled.all() {
		if strings.Contains(err.Error(), "panic") {
			t.Errorf("a bad input caused %v", err)
		}
	}
}

// TestZlibRequest: a THeader request compressed with zlib, within
// MaxMessageSize once expanded, is served (and answered compressed).
func TestZlibRequest(t *testing.T) {
	addr, _ := startServer(t, newTestService(), kitthrift.ConnSettings{})
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(binaryCall(t, "Echo", thrift.CALL, echoArgs("squeezed")))
	_ = zw.Close()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write(theaderFrame(0, []uint64{1}, z.Bytes())); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	p := thrift.NewTHeaderProtocolConf(thrift.NewStreamTransportRW(nc), &thrift.TConfiguration{})
	ctx := context.Background()
	if _, typ, _, err := p.ReadMessageBegin(ctx); err != nil || typ != thrift.REPLY {
		t.Fatalf("reply: type %v, err %v; want a reply", typ, err)
	}
	var res thrifttest.TestEchoResult
	if err := res.Read(ctx, p); err != nil || res.GetSuccess() != "squeezed" {
		t.Fatalf("reply = %q, %v; want squeezed", res.GetSuccess(), err)
	}
}
