package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/openhotline/hotline/"

// packages maps each package directory (relative to the module root) to its non-test files.
func packages(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string][]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			pkgs[filepath.ToSlash(rel)] = append(pkgs[filepath.ToSlash(rel)], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("found only %d packages: the walk is not looking at the module", len(pkgs))
	}
	return pkgs
}

// layer names the architectural layer of a package directory.
func layer(dir string) string {
	switch {
	case dir == "routing" || strings.HasPrefix(dir, "routing/"):
		return "routing"
	case dir == "cases" || strings.HasPrefix(dir, "cases/"):
		return "cases"
	case dir == "channels/twilio":
		return "twilio"
	case dir == "channels/route":
		return "route" // how a channel declares its HTTP routes: below every channel and the gateway
	case strings.HasPrefix(dir, "channels/"):
		return "channel"
	case dir == "gateway" || strings.HasPrefix(dir, "gateway/"):
		return "gateway"
	case strings.HasPrefix(dir, "cmd/"):
		return "cmd"
	}
	return dir
}

// channelOf names the channel a package under channels/ belongs to: channels/<name>.
func channelOf(dir string) string {
	parts := strings.SplitN(dir, "/", 3)
	return strings.Join(parts[:min(2, len(parts))], "/")
}

// allowed says which layers a layer may import (besides config and locales, and itself).
var allowed = map[string][]string{
	"routing":     {},
	"cases":       {"routing"},
	"followup":    {"routing", "cases"}, // follow-ups reach people back through routing; they place calls through an interface of their own, not a channel
	"config":      {},
	"locales":     {},
	"interpreter": {"routing"},
	"twilio":      {"routing"},
	"route":       {},
	"channel":     {"routing", "cases", "twilio", "interpreter", "route"},
	"gateway":     {"routing", "cases", "twilio", "channel", "interpreter", "route", "followup"},
	"bench":       {"routing", "cases", "twilio", "channel", "interpreter", "route"},
	"cmd":         {"routing", "cases", "twilio", "channel", "interpreter", "gateway", "bench", "route", "followup"},
	// The generator of the web apps' protocol.js reads the names where they are defined.
	"internal/genjs": {"routing", "cases", "twilio", "channel", "interpreter", "gateway", "route", "followup"},
	"faults":         {}, // fault tests only: they run the built binary, the package itself imports nothing
}

func TestImportRules(t *testing.T) {
	fset := token.NewFileSet()
	for dir, files := range packages(t) {
		from := layer(dir)
		may, known := allowed[from]
		if !known {
			if from == "internal/archtest" {
				continue
			}
			t.Errorf("package %s is in no layer of DESIGN.md §2: add it to the rules", dir)
			continue
		}
		for _, f := range files {
			af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				dep, ok := strings.CutPrefix(path, module)
				if !ok {
					continue
				}
				to := layer(dep)
				if to == from || to == "config" || to == "locales" {
					if from == "channel" && to == "channel" && channelOf(dep) != channelOf(dir) {
						t.Errorf("%s imports %s: channels are independent adapters", f, dep)
					}
					continue
				}
				ok = false
				for _, a := range may {
					ok = ok || a == to
				}
				if !ok {
					t.Errorf("%s (%s) imports %s (%s): against DESIGN.md §2", f, from, dep, to)
				}
			}
		}
	}
}

func TestEveryPackageHasAComment(t *testing.T) {
	fset := token.NewFileSet()
	for dir, files := range packages(t) {
		found := false
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			af, err := parser.ParseFile(fset, f, src, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			found = found || (af.Doc != nil && strings.TrimSpace(af.Doc.Text()) != "")
		}
		if !found {
			t.Errorf("package %s has no package comment", dir)
		}
	}
}

// TestBinaryLeavesTestToolsOut: the OpenAPI contract checker (and kin-openapi under it) is for
// tests and tools; the hotline binary never checks its own requests, so it must not link it.
func TestBinaryLeavesTestToolsOut(t *testing.T) {
	pkgs := packages(t)
	fset := token.NewFileSet()
	seen := map[string]bool{}
	var walk func(dir string, via []string)
	walk = func(dir string, via []string) {
		if seen[dir] {
			return
		}
		seen[dir] = true
		for _, f := range pkgs[dir] {
			af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if strings.Contains(path, "kin-openapi") || strings.HasSuffix(path, "twiliosim/contract") || strings.HasPrefix(path, module) && strings.HasSuffix(path, "test") {
					t.Errorf("the hotline binary links %s (through %s)", path, strings.Join(append(via, dir), " → "))
				}
				if dep, ok := strings.CutPrefix(path, module); ok {
					walk(dep, append(via, dir))
				}
			}
		}
	}
	walk("cmd/hotline", nil)
	if len(seen) < 10 {
		t.Fatalf("walked only %d packages from cmd/hotline", len(seen))
	}
}
