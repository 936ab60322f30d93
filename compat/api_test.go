package compat

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// A mapping is one row of MIGRATING.md's table: Go kit packages (the first
// is compared; the others are aliases of it, such as github.com/go-kit/log
// for github.com/go-kit/kit/log) and the kit package they map to.
type mapping struct {
	gokit []string
	kit   string
}

var backticked = regexp.MustCompile("`([^`]+)`")

// parseMigrating returns the package mappings of MIGRATING.md's table: rows
// whose first two cells name Go kit and kit packages. In a cell, a name
// without a dot is a sibling of the cell's first package ("statsd",
// "dogstatsd"), and a name in parentheses an alias of the one before it.
func parseMigrating(md []byte) ([]mapping, error) {
	var out []mapping
	sc := bufio.NewScanner(bytes.NewReader(md))
	for sc.Scan() {
		cells := strings.Split(sc.Text(), " | ")
		if len(cells) < 3 || !strings.HasPrefix(cells[0], "| `github.com/go-kit/") {
			continue
		}
		gk, gkAlias := cellPackages(cells[0])
		kit, _ := cellPackages(cells[1])
		if len(kit) == 0 || strings.Contains(cells[1], "...") {
			continue // not in kit (yet): nothing to compare
		}
		switch {
		case len(kit) == len(gk):
			for i := range gk {
				out = append(out, mapping{gokit: append([]string{gk[i]}, gkAlias[gk[i]]...), kit: kit[i]})
			}
		case len(kit) == 1:
			for _, p := range gk {
				out = append(out, mapping{gokit: append([]string{p}, gkAlias[p]...), kit: kit[0]})
			}
		default:
			return nil, fmt.Errorf("MIGRATING.md: row %q maps %d Go kit packages to %d kit packages", cells[0], len(gk), len(kit))
		}
	}
	if len(out) == 0 {
		return nil, errors.New("MIGRATING.md: no package mappings found")
	}
	return out, sc.Err()
}

// cellPackages returns the packages a table cell names, and the aliases
// (names in parentheses) of each.
func cellPackages(cell string) (pkgs []string, aliases map[string][]string) {
	aliases = map[string][]string{}
	base := ""
	for _, m := range backticked.FindAllStringSubmatchIndex(cell, -1) {
		name := cell[m[2]:m[3]]
		if !strings.Contains(name, ".") {
			name = path.Dir(base) + "/" + name
		} else if base == "" {
			base = name
		}
		if m[0] > 0 && cell[m[0]-1] == '(' && len(pkgs) > 0 {
			last := pkgs[len(pkgs)-1]
			aliases[last] = append(aliases[last], name)
			continue
		}
		pkgs = append(pkgs, name)
	}
	return pkgs, aliases
}

// loadPackages type-checks nothing itself: it asks the go command for the
// export data of paths and their dependencies, and returns the packages,
// all from one importer, so that a type from a package both sides use
// (context.Context, *http.Request, grpc's types) is the same object on both.
func loadPackages(t *testing.T, paths []string) map[string]*types.Package {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-e", "-export", "-deps", "-json=ImportPath,Export,Error"}, paths...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	exports := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath, Export string
			Error              *struct{ Err string }
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Error != nil {
			t.Fatalf("go list %s: %s", p.ImportPath, p.Error.Err)
		}
		exports[p.ImportPath] = p.Export
	}
	imp := importer.ForCompiler(token.NewFileSet(), "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	pkgs := map[string]*types.Package{}
	for _, p := range paths {
		pkg, err := imp.Import(p)
		if err != nil {
			t.Fatalf("import %s: %v", p, err)
		}
		pkgs[p] = pkg
	}
	return pkgs
}

// An exception is a Go kit identifier that kit does not provide with a
// compatible signature, and why.
type exception struct {
	reason string
	used   bool
}

// readExceptions reads exceptions.txt: one "<Go kit package>.<name>
// <reason>" a line, where the name may be a group of names sharing the
// reason, "{A,B,C}"; '#' starts a comment line.
func readExceptions(t *testing.T) map[string]*exception {
	t.Helper()
	b, err := os.ReadFile("exceptions.txt")
	if err != nil {
		t.Fatal(err)
	}
	ex := map[string]*exception{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ids, reason, ok := strings.Cut(line, " ")
		if !ok || strings.TrimSpace(reason) == "" {
			t.Fatalf("exceptions.txt:%d: %q has no reason", i+1, line)
		}
		for _, id := range expandGroup(ids) {
			if ex[id] != nil {
				t.Fatalf("exceptions.txt:%d: %s listed twice", i+1, id)
			}
			ex[id] = &exception{reason: strings.TrimSpace(reason)}
		}
	}
	return ex
}

// expandGroup expands "pkg.{A,B}" into "pkg.A" and "pkg.B".
func expandGroup(ids string) []string {
	prefix, group, ok := strings.Cut(ids, "{")
	if !ok || !strings.HasSuffix(group, "}") {
		return []string{ids}
	}
	var out []string
	for _, name := range strings.Split(strings.TrimSuffix(group, "}"), ",") {
		out = append(out, prefix+strings.TrimSpace(name))
	}
	return out
}

// TestAPI checks that every exported identifier of every Go kit package
// that MIGRATING.md maps exists in the kit package it maps to, with a
// signature that Go kit code can use unchanged once its imports are
// rewritten (see compatible), or is listed in exceptions.txt with the
// reason it cannot. An exception that is no longer needed fails the test
// too, so that the list stays short and true.
func TestAPI(t *testing.T) {
	md, err := os.ReadFile("../MIGRATING.md")
	if err != nil {
		t.Fatal(err)
	}
	mappings, err := parseMigrating(md)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	tr := &translator{to: map[string]string{}}
	for _, m := range mappings {
		for _, p := range m.gokit {
			tr.to[p] = m.kit
		}
		paths = append(paths, m.gokit[0], m.kit)
	}
	slices.Sort(paths)
	paths = slices.Compact(paths)
	tr.pkgs = loadPackages(t, paths)
	exceptions := readExceptions(t)

	var problems []string
	compared := 0
	for _, m := range mappings {
		gk, kit := tr.pkgs[m.gokit[0]], tr.pkgs[m.kit]
		for _, name := range gk.Scope().Names() {
			obj := gk.Scope().Lookup(name)
			if !obj.Exported() {
				continue
			}
			compared++
			id := gk.Path() + "." + name
			err := tr.compatible(obj, kit.Scope().Lookup(name))
			switch ex := exceptions[id]; {
			case err == nil && ex != nil:
				problems = append(problems, fmt.Sprintf("%s: compatible now; remove it from exceptions.txt", id))
			case err == nil:
			case ex != nil:
				ex.used = true
			default:
				problems = append(problems, fmt.Sprintf("%s: %v", id, err))
			}
		}
	}
	for id, ex := range exceptions {
		if !ex.used && !slices.Contains(problems, id+": compatible now; remove it from exceptions.txt") {
			problems = append(problems, fmt.Sprintf("%s: listed in exceptions.txt but not a Go kit identifier that differs", id))
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("%d Go kit identifiers in %d packages compared; %d exceptions", compared, len(mappings), len(exceptions))
}
