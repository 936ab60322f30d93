package thrift

import (
	"fmt"

	"github.com/apache/thrift/lib/go/thrift"
)

// Protocol names a Thrift wire protocol. The zero value is ProtocolHeader.
type Protocol int

const (
	// ProtocolHeader is THeader: framed messages carrying headers (the
	// deadline, tracing, a caller's own), with binary or compact inside and
	// optional zlib. A ConnServer speaking it also serves clients of the
	// binary and compact protocols, framed or not, and answers each in its
	// own dialect.
	ProtocolHeader Protocol = iota
	// ProtocolBinary is TBinaryProtocol (strict).
	ProtocolBinary
	// ProtocolCompact is TCompactProtocol.
	ProtocolCompact
	// ProtocolJSON is TJSONProtocol.
	ProtocolJSON
)

var protocolNames = [...]string{
	ProtocolHeader:  "header",
	ProtocolBinary:  "binary",
	ProtocolCompact: "compact",
	ProtocolJSON:    "json",
}

// String returns the protocol's name: "header", "binary", "compact" or
// "json".
func (p Protocol) String() string {
	if p >= 0 && int(p) < len(protocolNames) {
		return protocolNames[p]
	}
	return fmt.Sprintf("Protocol(%d)", int(p))
}

// ParseProtocol returns the Protocol named s, as String spells it; for
// command-line flags.
func ParseProtocol(s string) (Protocol, error) {
	for p, name := range protocolNames {
		if s == name {
			return Protocol(p), nil
		}
	}
	return 0, fmt.Errorf("thrift: unknown protocol %q (want header, binary, compact or json)", s)
}

// newProtocol returns the protocol p over trans, configured by cfg.
func newProtocol(p Protocol, trans thrift.TTransport, cfg *thrift.TConfiguration) thrift.TProtocol {
	switch p {
	case ProtocolBinary:
		return thrift.NewTBinaryProtocolConf(trans, cfg)
	case ProtocolCompact:
		return thrift.NewTCompactProtocolConf(trans, cfg)
	case ProtocolJSON:
		proto := thrift.NewTJSONProtocol(trans)
		thrift.PropagateTConfiguration(proto, cfg)
		return proto
	}
	return thrift.NewTHeaderProtocolConf(trans, cfg)
}

// newConfiguration returns the library configuration bounding messages to
// maxSize bytes.
func newConfiguration(maxSize int) *thrift.TConfiguration {
	return &thrift.TConfiguration{
		MaxMessageSize:     int32(maxSize),
		MaxFrameSize:       int32(maxSize),
		TBinaryStrictRead:  thrift.BoolPtr(true),
		TBinaryStrictWrite: thrift.BoolPtr(true),
	}
}
