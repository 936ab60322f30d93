package testenv_test

import (
	"os/exec"
	"testing"

	"github.com/endpointkit/kit/internal/testenv"
)

func TestLookPathFindsGo(t *testing.T) {
	want, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("exec.LookPath(go): %v; the go command runs this test, so it must be on PATH", err)
	}
	if got := testenv.LookPath(t, "go"); got != want {
		t.Errorf("LookPath(go) = %q, want %q", got, want)
	}
}

func TestMissingSkipsWithoutRequireVar(t *testing.T) {
	t.Setenv(testenv.RequireVar, "")
	var skipped bool
	t.Run("inner", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		testenv.LookPath(t, "no-such-binary-for-kit-tests")
		t.Error("LookPath of a missing binary returned; want a skip")
	})
	if !skipped {
		t.Errorf("LookPath(no-such-binary) without %s: test was not skipped", testenv.RequireVar)
	}
}
