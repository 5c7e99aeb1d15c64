package hallq_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// trackedFiles lists the files git tracks in this repository. A user of the
// repository has exactly these: anything they point at must be among them.
func trackedFiles(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("git ls-files: %v (CI checks out the repository with git)", err)
		}
		t.Skipf("not a git checkout (%v): the tracked files are unknown; CI runs this test", err)
	}
	var files []string
	for _, f := range bytes.Split(out, []byte{0}) {
		if len(f) > 0 {
			files = append(files, string(f))
		}
	}
	if len(files) < 50 {
		t.Fatalf("git ls-files gave %d files; run the test from the repository", len(files))
	}
	return files
}

// TestNoReferencesOutsideTheRepository fails when a tracked file (docs,
// code comments, configs) points at design notes that live outside the
// repository. Whatever a user needs from them belongs in docs/.
func TestNoReferencesOutsideTheRepository(t *testing.T) {
	// Built from pieces so this file does not match itself.
	outside := []string{".." + "/shared", "shared" + "/"}
	// Notes by these names exist only outside the repository unless a
	// file of that name is tracked here (docs/GLOSSARY.md is).
	notes := regexp.MustCompile(`([\w./-]*)\b(` + "DESIGN|CONVENTIONS|HARDWARE|GLOSSARY" + `)\.md`)
	files := trackedFiles(t)
	tracked := map[string]bool{}
	for _, f := range files {
		tracked[f] = true
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree
			}
			t.Fatal(err)
		}
		if bytes.IndexByte(data, 0) >= 0 {
			continue // binary
		}
		for i, line := range strings.Split(string(data), "\n") {
			for _, s := range outside {
				if strings.Contains(line, s) {
					t.Errorf("%s:%d refers to %q, which is not in the repository: %s", f, i+1, s, strings.TrimSpace(line))
				}
			}
			for _, m := range notes.FindAllStringSubmatch(line, -1) {
				name := m[2] + ".md"
				if !resolves(f, m[1]+name, tracked) {
					t.Errorf("%s:%d refers to %s, which is not in the repository (point at docs/ instead): %s", f, i+1, name, strings.TrimSpace(line))
				}
			}
		}
	}
}

// resolves reports whether ref, as written in file from, names a tracked
// file: relative to from's directory, or to the repository root.
func resolves(from, ref string, tracked map[string]bool) bool {
	ref = strings.TrimLeft(ref, "(`'\"[")
	for _, p := range []string{filepath.Join(filepath.Dir(from), ref), filepath.Clean(ref)} {
		if tracked[filepath.ToSlash(p)] {
			return true
		}
	}
	return false
}

// TestDocumentedAdminCommandsNameTheDatabase: every hallserver command
// that works on the database directly needs -db; a documented one without
// it fails as written.
func TestDocumentedAdminCommandsNameTheDatabase(t *testing.T) {
	// An invocation: the subcommand followed by an argument (a flag, "…"
	// or a placeholder such as NAME); a bare mention in prose is not one.
	cmd := regexp.MustCompile(`hallserver (device (add|list|revoke)|user (add|list))( +(-|…|[A-Z])[^\n` + "`" + `|]*)`)
	for _, f := range trackedFiles(t) {
		if !strings.HasSuffix(f, ".md") && !strings.HasSuffix(f, ".toml") && !strings.HasSuffix(f, ".go") && !strings.HasSuffix(f, ".sh") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for i, line := range strings.Split(string(data), "\n") {
			for _, m := range cmd.FindAllString(line, -1) {
				if !strings.Contains(m, "-db") {
					t.Errorf("%s:%d: %q lacks -db (the command refuses to run without it)", f, i+1, strings.TrimSpace(m))
				}
			}
		}
	}
}
