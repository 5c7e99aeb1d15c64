package hallq_test

import (
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
)

// TestEveryFuzzTargetRuns: scripts/fuzz.sh, which CI runs, names every
// fuzz target in the repository with its package, so that a new one is not
// left out of the habit.
func TestEveryFuzzTargetRuns(t *testing.T) {
	script, err := os.ReadFile("scripts/fuzz.sh")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`"(\./[^":]*):(Fuzz\w+)"`).FindAllStringSubmatch(string(script), -1) {
		listed[path.Clean(m[1])+":"+m[2]] = true
	}
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(\w+ \*testing\.F\)`)
	found := 0
	for _, f := range trackedFiles(t) {
		if !strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fuzzFunc.FindAllStringSubmatch(string(src), -1) {
			found++
			key := path.Clean("./"+path.Dir(f)) + ":" + m[1]
			if !listed[key] {
				t.Errorf("%s in %s is not in scripts/fuzz.sh (add \"./%s:%s\")", m[1], f, path.Dir(f), m[1])
			}
			delete(listed, key)
		}
	}
	for k := range listed {
		t.Errorf("scripts/fuzz.sh names %s, which does not exist", k)
	}
	if found < 4 {
		t.Errorf("found %d fuzz targets; the project has at least 4", found)
	}
}

// TestEveryCSVThroughExcelcsv: no code but internal/excelcsv makes a CSV
// writer of its own, so every CSV file the project writes gets the
// spreadsheet rules, formula neutralisation (OWASP) among them.
func TestEveryCSVThroughExcelcsv(t *testing.T) {
	own := regexp.MustCompile(`(^|[^\w.])csv\.NewWriter\(`)
	for _, f := range trackedFiles(t) {
		if !strings.HasSuffix(f, ".go") || strings.HasSuffix(f, "_test.go") || strings.HasPrefix(f, "internal/excelcsv/") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if own.Match(src) {
			t.Errorf("%s writes CSV with encoding/csv directly; use internal/excelcsv", f)
		}
	}
}
