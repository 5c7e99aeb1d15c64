package hallq_test

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// module is this repository's module path.
const module = "github.com/hallq/hallq"

// mapLayer is one row of the package map in docs/ARCHITECTURE.md.
type mapLayer struct {
	n        int
	name     string
	patterns []string // "server/hall", "printer/..." (and below), "hallq" (the root)
}

// readPackageMap reads the table under "## Package map" in
// docs/ARCHITECTURE.md: rows "| N name | `pkg` `pkg/...` | … |".
func readPackageMap(t *testing.T) []mapLayer {
	t.Helper()
	f, err := os.Open("docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile(`^\|\s*(\d+)\s+([^|]*?)\s*\|([^|]*)\|`)
	tick := regexp.MustCompile("`([^`]+)`")
	var layers []mapLayer
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			in = line == "## Package map"
			continue
		}
		m := row.FindStringSubmatch(line)
		if !in || m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		l := mapLayer{n: n, name: m[2]}
		for _, p := range tick.FindAllStringSubmatch(m[3], -1) {
			l.patterns = append(l.patterns, p[1])
		}
		layers = append(layers, l)
	}
	if len(layers) < 5 {
		t.Fatalf("docs/ARCHITECTURE.md: found %d layers under \"## Package map\"; want its table of layers", len(layers))
	}
	return layers
}

// goList runs go list in the module and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %v: %v\n%s", args, err, ee.Stderr)
		}
		t.Fatalf("go list %v: %v (the test runs go from the repository)", args, err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// rel is a package's path in the repository ("hallq" for the root), ok
// false for a package of another module.
func rel(path string) (string, bool) {
	if path == module {
		return "hallq", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

// TestPackageMap holds every package to the package map of
// docs/ARCHITECTURE.md: each is on the map, and none imports a package of
// a layer above its own (its tests may: they drive whole programs). The
// packages that stand apart from the hall server import nothing under
// server/, not even through another package.
func TestPackageMap(t *testing.T) {
	layers := readPackageMap(t)
	layerOf := map[string]mapLayer{} // pattern → layer
	for _, l := range layers {
		for _, p := range l.patterns {
			if _, dup := layerOf[p]; dup {
				t.Errorf("docs/ARCHITECTURE.md: %s is on the package map twice", p)
			}
			layerOf[p] = l
		}
	}
	used := map[string]bool{}
	// find is the layer of package r: its most specific pattern.
	find := func(r string) (mapLayer, bool) {
		best, found := "", false
		for p := range layerOf {
			base, tree := strings.CutSuffix(p, "/...")
			if (r == p || (tree && (r == base || strings.HasPrefix(r, base+"/")))) && len(p) > len(best) {
				best, found = p, true
			}
		}
		used[best] = used[best] || found
		return layerOf[best], found
	}

	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...") {
		fields := strings.Fields(line)
		from, _ := rel(fields[0])
		fl, ok := find(from)
		if !ok {
			t.Errorf("%s is not on the package map of docs/ARCHITECTURE.md: add it to the layer it belongs to", from)
			continue
		}
		for _, imp := range fields[1:] {
			to, ours := rel(imp)
			if !ours {
				continue
			}
			if tl, ok := find(to); ok && tl.n > fl.n {
				t.Errorf("%s (layer %d, %s) imports %s (layer %d, %s), above it in docs/ARCHITECTURE.md's package map",
					from, fl.n, fl.name, to, tl.n, tl.name)
			}
		}
	}
	for p := range layerOf {
		if !used[p] {
			t.Errorf("docs/ARCHITECTURE.md: %s is on the package map but no package matches it", p)
		}
	}

	// The parts that stand apart from the hall server: the report figures
	// and the central store (which the hall server imports, never the
	// reverse), and the devices, which reach the server only over HTTP.
	apart := []string{"./report", "./central/...", "./hallclient", "./kiosk/...", "./display/...", "./enrol"}
	for _, line := range goList(t, append([]string{"-f", "{{.ImportPath}} {{join .Deps \" \"}}"}, apart...)...) {
		fields := strings.Fields(line)
		from, _ := rel(fields[0])
		for _, dep := range fields[1:] {
			if to, ours := rel(dep); ours && (to == "server" || strings.HasPrefix(to, "server/")) {
				t.Errorf("%s depends on %s: it must import nothing under server/", from, to)
			}
		}
	}
}

// TestWhereIsTable: every file or folder the "Where is…" table of
// docs/ARCHITECTURE.md names exists.
func TestWhereIsTable(t *testing.T) {
	data, err := os.ReadFile("docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "## Where is…")
	if !ok {
		t.Fatal(`docs/ARCHITECTURE.md has no "## Where is…" section`)
	}
	section, _, _ := strings.Cut(rest, "\n## ")
	paths := 0
	for _, m := range regexp.MustCompile("`([a-z0-9_./-]+)`").FindAllStringSubmatch(section, -1) {
		p := m[1]
		if !strings.Contains(p, "/") && !strings.HasSuffix(p, ".go") {
			continue // a name, not a path
		}
		paths++
		if _, err := os.Stat(strings.TrimSuffix(p, "/...")); err != nil {
			t.Errorf("docs/ARCHITECTURE.md's \"Where is…\" names %s, which does not exist", p)
		}
	}
	if paths < 15 {
		t.Errorf("the \"Where is…\" table names %d paths; want the table", paths)
	}
}
