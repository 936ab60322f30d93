package jwt_test

import (
	"testing"

	"github.com/endpointkit/kit/internal/testenv"
)

// JWKS starts goroutines; every test must have stopped them.
func TestMain(m *testing.M) { testenv.Main(m) }
