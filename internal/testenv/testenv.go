// Package testenv tells kit's tests whether what an integration test needs (an
// installed server, a peer's binary) is present, and what to do when it is not.
//
// The test command (make check) installs every server and tool the tests use
// and sets KIT_INTEGRATION=1. Under it, a missing dependency fails the test:
// a test that silently skips in CI proves nothing. Without the variable (a
// laptop running plain go test ./...) the test skips with a message naming
// what is missing, so the rest of the suite still runs.
//
// Tests that start goroutines end with a leak check; [Main] is the TestMain
// every such package uses:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
package testenv

import (
	"os"
	"os/exec"
	"testing"

	"go.uber.org/goleak"
)

// RequireVar is the environment variable that makes a missing integration
// dependency a failure instead of a skip.
const RequireVar = "KIT_INTEGRATION"

// Required reports whether integration dependencies must be present.
func Required() bool { return os.Getenv(RequireVar) == "1" }

// Missing skips t, or fails it when [Required], with a message that starts
// with what is missing.
func Missing(t testing.TB, what string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s is missing, and %s=1 requires it (make check installs it)", what, RequireVar)
	}
	t.Skipf("%s is missing; skipping (make check installs it and runs this test)", what)
}

// LookPath returns the path of the named binary, or skips or fails t (see
// [Missing]) when it is not on PATH.
func LookPath(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "binary "+name)
	}
	return path
}

// Main runs the tests of a package and then fails them if any goroutine they
// started is still running. Options are passed to goleak, for goroutines a
// dependency starts and never stops (name them in a comment where they are
// ignored).
func Main(m *testing.M, options ...goleak.Option) {
	goleak.VerifyTestMain(m, options...)
}

// PythonThrift returns Debian's python3, the one with the thrift module
// (another python3 may come first on PATH), and a temp dir holding the
// Python code the thrift compiler generates from idl. A missing compiler
// or module is reported as Missing reports it.
func PythonThrift(t testing.TB, idl string) (python, dir string) {
	t.Helper()
	thriftBin := LookPath(t, "thrift")
	python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import thrift").Run(); err != nil {
		Missing(t, "python3-thrift ("+python+" -c 'import thrift')")
	}
	dir = t.TempDir()
	if out, err := exec.Command(thriftBin, "--gen", "py", "-out", dir, idl).CombinedOutput(); err != nil {
		t.Fatalf("thrift --gen py %s: %v\n%s", idl, err, out)
	}
	return python, dir
}
