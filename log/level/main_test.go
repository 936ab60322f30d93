package level_test

import (
	"testing"

	"github.com/endpointkit/kit/internal/testenv"
)

// Some tests log from many goroutines; none may outlive the tests.
func TestMain(m *testing.M) { testenv.Main(m) }
