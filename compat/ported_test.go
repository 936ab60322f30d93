package compat

import (
	"encoding/json"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// migrationEdits are the edits, beyond the import rewrite, that MIGRATING.md
// asks of Go kit code using an identifier listed in exceptions.txt, as the
// ported examples need them. Each is applied as a plain text replacement
// and must apply at least once in the example that lists it.
var migrationEdits = map[string][][2]string{
	// circuitbreaker.Gobreaker takes sony/gobreaker/v2's breaker.
	"stringsvc": {
		{`"github.com/sony/gobreaker"`, `"github.com/sony/gobreaker/v2"`},
		{`gobreaker.NewCircuitBreaker(`, `gobreaker.NewCircuitBreaker[any](`},
	},
}

// TestPortedExamples compiles and tests the services in testdata, written
// against Go kit v0.13 in the style of Go kit's own examples: first as they
// are, against Go kit (so they are real Go kit code), then with their
// imports rewritten to kit's packages as MIGRATING.md maps them (plus the
// edits in migrationEdits), against kit. The packages exist only in a
// go command overlay; nothing is written into the module.
func TestPortedExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles two services twice; not in -short")
	}
	md, err := os.ReadFile("../MIGRATING.md")
	if err != nil {
		t.Fatal(err)
	}
	mappings, err := parseMigrating(md)
	if err != nil {
		t.Fatal(err)
	}
	rewrite := map[string]string{}
	for _, m := range mappings {
		for _, p := range m.gokit {
			rewrite[p] = m.kit
		}
	}
	examples, err := filepath.Glob("testdata/*")
	if err != nil || len(examples) < 2 {
		t.Fatalf("examples in testdata: %v, %v; want at least two", examples, err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range examples {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join(dir, "*.go"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no Go files in %s", dir)
			}
			for _, side := range []string{"gokit", "kit"} {
				overlay := map[string]string{}
				tmp := t.TempDir()
				for _, f := range files {
					src, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					if side == "kit" {
						if src, err = rewriteImports(src, rewrite); err != nil {
							t.Fatalf("%s: %v", f, err)
						}
						if strings.Contains(string(src), `"github.com/go-kit/`) {
							t.Fatalf("%s still imports Go kit after the rewrite", f)
						}
					}
					out := filepath.Join(tmp, filepath.Base(f))
					if err := os.WriteFile(out, src, 0o644); err != nil {
						t.Fatal(err)
					}
					overlay[filepath.Join(wd, "ported", side, name, filepath.Base(f))] = out
				}
				if side == "kit" {
					applyEdits(t, name, overlay)
				}
				b, _ := json.Marshal(map[string]any{"Replace": overlay})
				ovl := filepath.Join(tmp, "overlay.json")
				if err := os.WriteFile(ovl, b, 0o644); err != nil {
					t.Fatal(err)
				}
				// The package directory exists only in the overlay, so the
				// test binary is built, then run from the temporary one.
				bin := filepath.Join(tmp, name+".test")
				build := exec.Command("go", "test", "-c", "-vet=off", "-overlay", ovl, "-o", bin, "./ported/"+side+"/"+name)
				if out, err := build.CombinedOutput(); err != nil {
					t.Errorf("%s does not compile against %s:\n%s", name, side, out)
					continue
				}
				run := exec.Command(bin, "-test.count=1")
				run.Dir = tmp
				if out, err := run.CombinedOutput(); err != nil {
					t.Errorf("%s fails its tests against %s:\n%s", name, side, out)
				}
			}
		})
	}
}

// applyEdits applies migrationEdits[name] to the files of the overlay.
func applyEdits(t *testing.T, name string, overlay map[string]string) {
	t.Helper()
	for _, e := range migrationEdits[name] {
		applied := 0
		for _, f := range overlay {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(b), e[0]); n > 0 {
				applied += n
				if err := os.WriteFile(f, []byte(strings.ReplaceAll(string(b), e[0], e[1])), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		if applied == 0 {
			t.Errorf("%s: edit %q -> %q applies nowhere; remove it", name, e[0], e[1])
		}
	}
}

// rewriteImports rewrites the Go kit imports of a Go file into the kit
// packages they map to. An import whose package name changes (sd/lb is
// "lb", loadbalancer is "loadbalancer") is given its old name, so the code
// needs no other change.
func rewriteImports(src []byte, rewrite map[string]string) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	for _, spec := range f.Imports {
		old, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			return nil, err
		}
		if !isGoKit(old) {
			continue
		}
		to, ok := rewrite[old]
		if !ok {
			return nil, &unmappedError{old}
		}
		if spec.Name == nil && packageName(old) != path.Base(to) {
			spec.Name = ast.NewIdent(packageName(old))
		}
		spec.Path.Value = strconv.Quote(to)
	}
	var out strings.Builder
	if err := format.Node(&out, fset, f); err != nil {
		return nil, err
	}
	return []byte(out.String()), nil
}

// packageName returns the name of a Go kit package: its last path element.
func packageName(importPath string) string { return path.Base(importPath) }

type unmappedError struct{ path string }

func (e *unmappedError) Error() string { return e.path + " is not mapped by MIGRATING.md" }
