package core_test

import (
	"testing"

	"github.com/endpointkit/kit/log/internal/core"
)

func TestInLogPackages(t *testing.T) {
	for fn, want := range map[string]bool{
		"github.com/endpointkit/kit/log.(*context).Log":              true,
		"github.com/endpointkit/kit/log/level.Logger.Log":            true,
		"github.com/endpointkit/kit/log/slogbridge.(*Logger).Log":    true,
		"github.com/endpointkit/kit/log_test.TestX":                  false,
		"github.com/endpointkit/kit/log/level_test.TestX":            false,
		"github.com/endpointkit/kit/logx.F":                          false,
		"github.com/endpointkit/kit/transport/http.(*Server).Serve":  false,
		"github.com/endpointkit/kit/log/internal/core.InLogPackages": false,
		"main.main": false,
	} {
		if got := core.InLogPackages(fn); got != want {
			t.Errorf("InLogPackages(%q) = %v, want %v", fn, got, want)
		}
	}
	if !core.InLevelPackage("github.com/endpointkit/kit/log/level.Logger.Log") ||
		core.InLevelPackage("github.com/endpointkit/kit/log/level_test.TestX") ||
		core.InLevelPackage("github.com/endpointkit/kit/log.(*context).Log") {
		t.Error("InLevelPackage names the wrong frames")
	}
}

func TestPoolsReturnEmptyBuffers(t *testing.T) {
	l := core.GetLine()
	l.B, l.More = append(l.B, "abc"...), true
	core.PutLine(l)
	if l := core.GetLine(); len(l.B) != 0 || l.More {
		t.Errorf("GetLine returned %q, More %v; want an empty Line", l.B, l.More)
	}
	k := core.GetKeyvals()
	k.KV = append(k.KV, "k", 1)
	core.PutKeyvals(k)
	if k := core.GetKeyvals(); len(k.KV) != 0 {
		t.Errorf("GetKeyvals returned %v, want none", k.KV)
	}
}
