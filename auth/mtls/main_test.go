package mtls_test

import (
	"testing"

	"github.com/endpointkit/kit/internal/testenv"
)

// The tests start HTTP and gRPC servers; each must have stopped them.
func TestMain(m *testing.M) { testenv.Main(m) }
