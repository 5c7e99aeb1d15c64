package sqlite_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hallq/hallq/server/sqlite"
)

const openHelperEnv = "HALLQ_TEST_OPEN_DB"

// TestOpenHelper opens the database named in its environment and prints
// the error: TestOpenRefusesReadOnly runs it as an unprivileged user.
func TestOpenHelper(t *testing.T) {
	path := os.Getenv(openHelperEnv)
	if path == "" {
		t.Skip("run by TestOpenRefusesReadOnly; not a test of its own")
	}
	db, err := sqlite.Open(context.Background(), path)
	if err == nil {
		db.Close()
		fmt.Println("OPENED")
		return
	}
	fmt.Println("ERROR", err)
}

// TestOpenRefusesReadOnly: a database the server may read but not write
// (a read-only file) is refused at start, with a
// message naming the file and the cause — not opened to answer every
// sign-in with a 500. As root, whom permissions do not stop, the check
// runs as the unprivileged user nobody.
func TestOpenRefusesReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hall.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	// The file read-only, its folder writable (SQLite may make its
	// journal files there): reading works, every write fails.
	os.Chmod(path, 0o444)
	for _, f := range []string{path + "-wal", path + "-shm"} {
		os.Remove(f)
	}
	if os.Geteuid() == 0 {
		os.Chmod(dir, 0o777)
	}

	var out string
	if os.Geteuid() != 0 {
		_, err := sqlite.Open(context.Background(), path)
		if err == nil {
			t.Fatal("a read-only database was opened")
		}
		out = "ERROR " + err.Error()
	} else {
		out = runAsNobody(t, path)
	}
	if !strings.HasPrefix(out, "ERROR") || !strings.Contains(out, path) || !strings.Contains(out, "read-only") {
		t.Errorf("opening a read-only database: %q, want an error naming %s and saying read-only", out, path)
	}
}

// runAsNobody runs TestOpenHelper on path as uid/gid 65534 from a copy of
// this test binary that user may run.
func runAsNobody(t *testing.T, path string) string {
	t.Helper()
	bin := t.TempDir()
	os.Chmod(bin, 0o755)
	exe := filepath.Join(bin, "sqlite.test")
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(exe, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	for d := filepath.Dir(path); d != "/"; d = filepath.Dir(d) {
		// The database's folders must be reachable by nobody.
		if st, err := os.Stat(d); err == nil && st.Mode().Perm()&0o005 == 0 {
			os.Chmod(d, st.Mode().Perm()|0o005)
			t.Cleanup(func() { os.Chmod(d, st.Mode().Perm()) })
		}
	}
	cmd := exec.Command(exe, "-test.run=^TestOpenHelper$")
	cmd.Env = []string{openHelperEnv + "=" + path, "HOME=/"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	cmd.Dir = "/"
	data, err := cmd.CombinedOutput()
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "ERROR") || strings.HasPrefix(l, "OPENED") {
			return l
		}
	}
	t.Fatalf("the helper as nobody said nothing useful (%v):\n%s", err, data)
	return ""
}
