package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// TestGeneratedFilesAreCurrent regenerates every module in memory and compares it with the file
// the pages load: a Go name changed without regenerating fails here, not in a browser.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	for _, m := range modules() {
		got, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(m.path)))
		if err != nil {
			t.Errorf("%s: %v; run %s from the module root", m.path, err, command)
			continue
		}
		if !bytes.Equal(got, m.render()) {
			t.Errorf("%s is out of date with the Go names it is generated from: run %s from the module root", m.path, command)
		}
	}
}

// TestModulesAreWellFormed: names are JS identifiers, unique in their module, and no object
// gives one value two keys (a copy-paste slip in modules.go).
func TestModulesAreWellFormed(t *testing.T) {
	ident := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	for _, m := range modules() {
		exports := map[string]bool{}
		for _, g := range m.groups {
			if !ident.MatchString(g.name) || exports[g.name] {
				t.Errorf("%s: export %q is not a fresh identifier", m.path, g.name)
			}
			if slices.Contains(browserGlobals, g.name) {
				t.Errorf("%s: export %s would hide the browser's own %s in the modules that import it", m.path, g.name, g.name)
			}
			exports[g.name] = true
			if len(g.values) == 0 {
				t.Errorf("%s: %s is empty", m.path, g.name)
			}
			keys, values := map[string]bool{}, map[string]bool{}
			for i, k := range g.keys {
				if !ident.MatchString(k) || keys[k] {
					t.Errorf("%s: %s.%s is not a fresh identifier", m.path, g.name, k)
				}
				if values[g.values[i]] {
					t.Errorf("%s: %s has %q twice", m.path, g.name, g.values[i])
				}
				keys[k], values[g.values[i]] = true, true
			}
		}
	}
}

// browserGlobals are names a page's scripts use from the browser; an import of the same name
// hides them (console.js once lost the DOM's Event constructor that way).
var browserGlobals = []string{"Array", "Audio", "Blob", "Date", "Document", "Element", "Error", "Event", "File",
	"Headers", "History", "Image", "JSON", "Location", "Map", "Math", "Node", "Notification", "Number", "Object",
	"Option", "Promise", "Range", "Request", "Response", "Selection", "Set", "Storage", "String", "Text", "URL",
	"WebSocket", "Worker"}

func TestWriteLeavesCurrentFilesAlone(t *testing.T) {
	root := t.TempDir()
	for _, m := range modules() {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(filepath.FromSlash(m.path))), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := write(root); err != nil {
		t.Fatal(err)
	}
	for _, m := range modules() {
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(m.path)))
		if err != nil || !bytes.Equal(got, m.render()) {
			t.Errorf("%s: written file differs from the rendering (err %v)", m.path, err)
		}
	}
}

// TestEveryNameIsExported: the module's lists are written by hand in modules.go, so a frame or an
// audit action added in Go and left out would be missing from the pages with no drift to show it
// (a console that silently never sends the frame). Every Frame* constant of the gateway must be in
// the console's Frame object, and every Audit* action of cases, followup and the gateway in
// AUDIT_ACTIONS.
func TestEveryNameIsExported(t *testing.T) {
	var console module
	for _, m := range modules() {
		if m.path == "gateway/web/static/protocol.js" {
			console = m
		}
	}
	values := func(name string) []string {
		for _, g := range console.groups {
			if g.name == name {
				return g.values
			}
		}
		t.Fatalf("the console module has no %s", name)
		return nil
	}
	for _, c := range []struct {
		group, prefix string
		dirs          []string
	}{
		{"Frame", "Frame", []string{"gateway"}},
		{"AUDIT_ACTIONS", "Audit", []string{"cases", "followup", "gateway"}},
	} {
		have := values(c.group)
		for _, dir := range c.dirs {
			for name, v := range stringConsts(t, filepath.Join("..", "..", dir), c.prefix) {
				if !slices.Contains(have, v) {
					t.Errorf("%s.%s = %q is not in %s: add it to modules.go and run %s", dir, name, v, c.group, command)
				}
			}
		}
	}
}

// stringConsts returns the package-level string constants of dir's non-test Go files whose names
// start with prefix and an upper-case letter.
func stringConsts(t *testing.T, dir, prefix string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					rest, ok := strings.CutPrefix(n.Name, prefix)
					if !ok || rest == "" || !unicode.IsUpper(rune(rest[0])) || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, err := strconv.Unquote(lit.Value)
						if err == nil {
							out[n.Name] = v
						}
					}
				}
			}
		}
	}
	return out
}
