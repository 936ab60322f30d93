package thrift

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"testing"
)

// header builds a THeader frame (without its length prefix).
func header(proto uint64, transforms []uint64, payload []byte) []byte {
	var h []byte
	h = binary.AppendUvarint(h, proto)
	h = binary.AppendUvarint(h, uint64(len(transforms)))
	for _, id := range transforms {
		h = binary.AppendUvarint(h, id)
	}
	for len(h)%4 != 0 {
		h = append(h, 0)
	}
	f := []byte{0x0f, 0xff, 0, 0, 0, 0, 0, 1}
	f = binary.BigEndian.AppendUint16(f, uint16(len(h)/4))
	return append(append(f, h...), payload...)
}

func zlibbed(b []byte) []byte {
	var out bytes.Buffer
	zw := zlib.NewWriter(&out)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return out.Bytes()
}

func TestCheckFrame(t *testing.T) {
	call := []byte{0x80, 0x01, 0x00, 0x01, 0, 0, 0, 0}
	for _, tc := range []struct {
		name  string
		frame []byte
		want  error // nil, ErrBadFrame or ErrMessageTooLarge
	}{
		{"framed binary", call, nil},
		{"framed compact", []byte{0x82, 0x21, 0, 0}, nil},
		{"THeader binary", header(0, nil, call), nil},
		{"THeader compact", header(2, nil, call), nil},
		{"THeader zlib", header(0, []uint64{1}, zlibbed(call)), nil},
		{"THeader zlib within the limit", header(0, []uint64{1}, zlibbed(make([]byte, 1000))), nil},
		{"THeader zlib beyond the limit", header(0, []uint64{1}, zlibbed(make([]byte, 1001))), ErrMessageTooLarge},
		{"THeader zlib twice beyond the limit", header(0, []uint64{1, 1}, zlibbed(zlibbed(make([]byte, 5000)))), ErrMessageTooLarge},
		{"short", []byte{1, 2}, ErrBadFrame},
		{"unknown protocol", []byte{1, 2, 3, 4}, ErrBadFrame},
		{"THeader cut short", header(0, nil, nil)[:8], ErrBadFrame},
		{"THeader JSON inside", header(1, nil, call), ErrBadFrame},
		{"THeader unknown transform", header(0, []uint64{2}, call), ErrBadFrame},
		{"THeader too many transforms", header(0, []uint64{1, 1, 1, 1, 1}, call), ErrBadFrame},
		{"THeader corrupt zlib", header(0, []uint64{1}, []byte("nope")), ErrBadFrame},
		{"THeader header longer than the frame", func() []byte {
			f := header(0, nil, call)
			binary.BigEndian.PutUint16(f[8:], 100)
			return f
		}(), ErrBadFrame},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkFrame(tc.frame, 1000)
			if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("checkFrame = %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzCheckFrame: checkFrame never panics and, when it accepts a THeader
// zlib frame, the payload expands to at most the limit.
func FuzzCheckFrame(f *testing.F) {
	f.Add(header(0, nil, []byte{0x80, 0x01, 0, 1}))
	f.Add(header(0, []uint64{1}, zlibbed(make([]byte, 100))))
	f.Add([]byte{0x82, 0x21, 0, 0})
	f.Fuzz(func(t *testing.T, frame []byte) {
		_ = checkFrame(frame, 1<<16)
	})
}
