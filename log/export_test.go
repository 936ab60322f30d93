package log

import "github.com/endpointkit/kit/log/internal/format"

// Exported for the tests of the number formatting through the encoders;
// the tests of the scans and times are in package format.
var (
	AppendFloat64  = format.AppendFloat64
	AppendInt      = format.AppendInt
	AppendUint     = format.AppendUint
	AppendDuration = format.AppendDuration
)
