package compat

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"
)

// checkPackage type-checks src as the package at path.
func checkPackage(t *testing.T, path, src string) *types.Package {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := (&types.Config{}).Check(path, fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

// TestCompatibleRules checks the rules TestAPI applies, on small Go kit and
// kit packages: each case is a Go kit declaration, a kit one, and whether Go
// kit code using the first compiles against the second.
func TestCompatibleRules(t *testing.T) {
	const gkPath, kitPath = "github.com/go-kit/kit/x", "github.com/endpointkit/kit/x"
	for _, tc := range []struct {
		name, gk, kit string
		ok            bool
	}{
		{"same function", "func F(s string, n int) error", "func F(s string, n int) error", true},
		{"an optional variadic parameter added", "func F(s Balancer, seed int64) Balancer", "func F(s Balancer, seed ...int64) *Random", true},
		{"a parameter added", "func F(s string) int", "func F(s string, n int) int", false},
		{"a parameter dropped", "func F(s string, n int) int", "func F(s string) int", false},
		{"a parameter's type changed", "func F(n int) int", "func F(n string) int", false},
		{"a result added", "func F() int", "func F() (int, error)", false},
		{"a result where Go kit had none", "func F()", "func F() error", true},
		{"a concrete result for an interface", "func F() Balancer", "func F() *Random", true},
		{"an interface result for a concrete one", "func F() *Random", "func F() Balancer", false},
		{"Go kit's variadic made fixed", "func F(o ...int)", "func F(o []int)", false},
		{"a variable", "var V error", "var V error", true},
		{"a variable of another type", "var V error", "var V string", false},
		{"a constant", "const C = 1", "const C = 2", true},
		{"a constant of another kind", "const C = 1", `const C = "1"`, false},
		{"same interface", "type I interface{ M(int) error }", "type I interface{ M(int) error }", true},
		{"an interface with another method", "type I interface{ M(int) error }", "type I interface{ M(int) error; N() }", false},
		{"a struct with more fields", "type S struct{ A int; b string }", "type S struct{ A int; B string }", true},
		{"a struct without a field", "type S struct{ A, B int }", "type S struct{ A int }", false},
		{"a struct field of another type", "type S struct{ A int }", "type S struct{ A int64 }", false},
		{"a method kept", "type T struct{}\nfunc (T) M() int { return 0 }", "type T struct{}\nfunc (*T) M() int { return 0 }", true},
		{"a method dropped", "type T struct{}\nfunc (T) M() int { return 0 }", "type T struct{}", false},
		{"an option over an unexported type", "type O func(*cfg)\ntype cfg struct{}", "type O func(*settings)\ntype settings struct{}", true},
		{"a function type changed", "type F func(int) error", "type F func(int) (int, error)", false},
		{"missing", "func F()", "func G()", false},
	} {
		common := "\ntype Balancer interface{ Endpoint() (int, error) }\ntype Random struct{}\nfunc (*Random) Endpoint() (int, error) { return 0, nil }\n"
		gk := checkPackage(t, gkPath, "package x\n"+tc.gk+common)
		kit := checkPackage(t, kitPath, "package x\n"+tc.kit+common)
		tr := &translator{to: map[string]string{gkPath: kitPath}, pkgs: map[string]*types.Package{gkPath: gk, kitPath: kit}}
		name := strings.Fields(strings.NewReplacer("(", " ", "{", " ", "=", " ").Replace(tc.gk))[1]
		if name == "(T)" {
			name = "T"
		}
		err := tr.compatible(gk.Scope().Lookup(name), kit.Scope().Lookup(name))
		if (err == nil) != tc.ok {
			t.Errorf("%s: compatible(%q, %q) = %v; want ok=%v", tc.name, tc.gk, tc.kit, err, tc.ok)
		}
	}
}

func TestParseMigrating(t *testing.T) {
	md := "| Go kit package | kit package | differences |\n|---|---|---|\n" +
		"| `github.com/go-kit/kit/log` (`github.com/go-kit/log`) | `github.com/endpointkit/kit/log` | x |\n" +
		"| `github.com/go-kit/kit/metrics/statsd`, `dogstatsd` | `github.com/endpointkit/kit/metrics/statsd`, `dogstatsd` | x |\n" +
		"| `github.com/go-kit/kit/sd/eureka` | — | not yet planned |\n" +
		"| `github.com/go-kit/kit/tracing/zipkin` | `github.com/endpointkit/kit/tracing/...` | not yet landed |\n"
	got, err := parseMigrating([]byte(md))
	if err != nil {
		t.Fatal(err)
	}
	want := []mapping{
		{gokit: []string{"github.com/go-kit/kit/log", "github.com/go-kit/log"}, kit: "github.com/endpointkit/kit/log"},
		{gokit: []string{"github.com/go-kit/kit/metrics/statsd"}, kit: "github.com/endpointkit/kit/metrics/statsd"},
		{gokit: []string{"github.com/go-kit/kit/metrics/dogstatsd"}, kit: "github.com/endpointkit/kit/metrics/dogstatsd"},
	}
	if len(got) != len(want) {
		t.Fatalf("parsed %+v, want %+v", got, want)
	}
	for i := range want {
		if strings.Join(got[i].gokit, " ") != strings.Join(want[i].gokit, " ") || got[i].kit != want[i].kit {
			t.Errorf("mapping %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got := expandGroup("p.{A, B}"); strings.Join(got, " ") != "p.A p.B" {
		t.Errorf("expandGroup = %v", got)
	}
}
