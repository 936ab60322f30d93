package thrift

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Errors a ConnServer reports when it drops a connection for what the peer
// sent. The peer sees its connection closed.
var (
	// ErrMessageTooLarge is reported when a frame or a message is larger
	// than ConnSettings.MaxMessageSize (after decompression for zlib).
	ErrMessageTooLarge = errors.New("thrift: message too large")
	// ErrBadFrame is reported for a frame that is not a message of a
	// protocol the server speaks: a bad THeader header, an unknown
	// protocol or transform, a corrupt zlib payload.
	ErrBadFrame = errors.New("thrift: bad frame")
)

// Bytes that open an unframed message, as THeader servers tell clients
// apart: a strict binary message begins 0x80 0x01, a compact one 0x82 and a
// version of 1 in the low bits of the next byte.
const (
	binaryMagic0      = 0x80
	binaryMagic1      = 0x01
	compactMagic      = 0x82
	compactVersion    = 0x01
	compactVersionMsk = 0x1f
	theaderMagic      = 0x0fff // first 16 bits of a THeader frame
	theaderMetaSize   = 10     // magic, flags, sequence id, header length
	transformZlib     = 1
	maxTransforms     = 4
)

// unframed reports whether b (at least two bytes) opens an unframed binary
// or compact message.
func unframed(b []byte) bool {
	return (b[0] == binaryMagic0 && b[1] == binaryMagic1) ||
		(b[0] == compactMagic && b[1]&compactVersionMsk == compactVersion)
}

// checkFrame validates a frame (without its length prefix) read by a server
// speaking THeader, before the library parses it: a THeader frame must name
// the binary or compact protocol and only the zlib transform, and its
// payload must decompress to at most maxSize bytes; a framed binary or
// compact message passes as it is. Decompression here costs one pass over
// the payload and a fixed buffer; it keeps a small frame from expanding
// into gigabytes in the library's reader.
func checkFrame(frame []byte, maxSize int) error {
	if len(frame) < 4 {
		return fmt.Errorf("%w: %d-byte frame", ErrBadFrame, len(frame))
	}
	if binary.BigEndian.Uint16(frame) != theaderMagic {
		if unframed(frame) {
			return nil
		}
		return fmt.Errorf("%w: unknown protocol (first bytes % x)", ErrBadFrame, frame[:4])
	}
	if len(frame) < theaderMetaSize {
		return fmt.Errorf("%w: THeader frame shorter than its fixed header", ErrBadFrame)
	}
	hlen := int(binary.BigEndian.Uint16(frame[8:])) * 4
	if hlen > len(frame)-theaderMetaSize {
		return fmt.Errorf("%w: THeader header of %d bytes in a %d-byte frame", ErrBadFrame, hlen, len(frame))
	}
	r := bytes.NewReader(frame[theaderMetaSize : theaderMetaSize+hlen])
	proto, err := binary.ReadUvarint(r)
	if err != nil || (proto != 0 && proto != 2) { // binary, compact
		return fmt.Errorf("%w: THeader protocol id %d", ErrBadFrame, proto)
	}
	n, err := binary.ReadUvarint(r)
	if err != nil || n > maxTransforms {
		return fmt.Errorf("%w: %d THeader transforms", ErrBadFrame, n)
	}
	zlibs := 0
	for range n {
		id, err := binary.ReadUvarint(r)
		if err != nil || id != transformZlib {
			return fmt.Errorf("%w: THeader transform %d", ErrBadFrame, id)
		}
		zlibs++
	}
	if zlibs == 0 {
		return nil
	}
	var payload io.Reader = bytes.NewReader(frame[theaderMetaSize+hlen:])
	for range zlibs {
		zr, err := zlib.NewReader(payload)
		if err != nil {
			return fmt.Errorf("%w: zlib: %v", ErrBadFrame, err)
		}
		defer zr.Close()
		payload = zr
	}
	// Count what the payload expands to, without keeping it.
	got, err := io.Copy(io.Discard, io.LimitReader(payload, int64(maxSize)+1))
	if err != nil {
		return fmt.Errorf("%w: zlib: %v", ErrBadFrame, err)
	}
	if got > int64(maxSize) {
		return fmt.Errorf("%w: zlib payload expands beyond %d bytes", ErrMessageTooLarge, maxSize)
	}
	return nil
}
