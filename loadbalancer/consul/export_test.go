package consul

// StopRenewing stops r's goroutine without deregistering, as a crash would:
// the instance's check then fails after its TTL.
func StopRenewing(r *Registrar) bool { return r.stopRenewing() }

// NextIndex exposes nextIndex to the tests.
var NextIndex = nextIndex

// Backoff exposes backoff and its bounds to the tests.
var Backoff = backoff

const (
	MinBackoff = minBackoff
	MaxBackoff = maxBackoff
)
