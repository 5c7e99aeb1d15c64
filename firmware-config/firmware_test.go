// Package firmwareconfig_test checks what goes onto a Raspberry Pi: every
// example config passes its program's -check-config, every systemd unit
// passes systemd-analyze verify with the binaries at their ExecStart paths,
// install.sh run twice into a temporary root gives the same tree, the
// backup script keeps the newest copies, and the release command builds
// every target with binaries that answer -version.
package firmwareconfig_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hallq/hallq/server/sqlite"
)

// repo is the module root, the parent of this directory.
var repo = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Dir(wd)
}()

var (
	binDir  string
	buildMu sync.Mutex
	built   = map[string]error{}
)

// The release every test that needs one shares: built once per test
// binary, for every target, with the release command as documented.
const (
	releaseVersion = "v0.0.0-test.1"
	releaseEpoch   = "1795000000" // SOURCE_DATE_EPOCH: 2026-11-18
)

var (
	releaseOnce sync.Once
	releaseOut  string
	releaseErr  error
)

// release runs scripts/release.sh once and returns its output directory.
// It cross-builds every binary for three targets (with -trimpath, like the
// CI's cross-builds and vet, so their compiled packages are reused).
func release(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the release for every target; skipped with -short")
	}
	releaseOnce.Do(func() {
		releaseOut = filepath.Join(binDir, "release")
		cmd := exec.Command(filepath.Join(repo, "scripts", "release.sh"), releaseVersion)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "OUT="+releaseOut, "SOURCE_DATE_EPOCH="+releaseEpoch)
		if msg, err := cmd.CombinedOutput(); err != nil {
			releaseErr = fmt.Errorf("scripts/release.sh %s: %v\n%s", releaseVersion, err, msg)
		}
	})
	if releaseErr != nil {
		t.Fatal(releaseErr)
	}
	return releaseOut
}

// unpack unpacks a target's tarball (once) and returns its top directory,
// as an installer has it after tar xzf.
func unpack(t *testing.T, label string) string {
	t.Helper()
	out := release(t)
	name := "hallq-" + releaseVersion + "-linux-" + label
	top := filepath.Join(binDir, "unpacked", name)
	buildMu.Lock()
	defer buildMu.Unlock()
	if _, err := os.Stat(top); err == nil {
		return top
	}
	if err := os.MkdirAll(filepath.Dir(top), 0o755); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command("tar", "-C", filepath.Dir(top), "-xzf", filepath.Join(out, name+".tar.gz")).CombinedOutput(); err != nil {
		t.Fatalf("tar xzf %s: %v\n%s", name, err, msg)
	}
	return top
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hallq-firmware-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binary builds ./cmd/name once for this machine and returns its path; a
// command that does not build fails the test.
func binary(t *testing.T, name string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	out := filepath.Join(binDir, name)
	err, ok := built[name]
	if !ok {
		// -trimpath, as the release and the CI's vet and cross-builds:
		// the compiled packages are shared, only the link is this one's.
		cmd := exec.Command("go", "build", "-trimpath", "-o", out, "./cmd/"+name)
		cmd.Dir = repo
		if msg, berr := cmd.CombinedOutput(); berr != nil {
			err = fmt.Errorf("go build ./cmd/%s: %v\n%s", name, berr, msg)
		}
		built[name] = err
	}
	if err != nil {
		t.Fatalf("the %s binary is missing: %v", name, err)
	}
	return out
}

// programFor names the program that reads an example config, by the
// file's name: hall*.toml → hallserver, kiosk*.toml → kiosk, display*.toml → display.
func programFor(file string) string {
	base := filepath.Base(file)
	for _, p := range []struct{ prefix, prog string }{{"hall", "hallserver"}, {"kiosk", "kiosk"}, {"display", "display"}} {
		if strings.HasPrefix(base, p.prefix) {
			return p.prog
		}
	}
	return ""
}

func TestExampleConfigsPassCheckConfig(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repo, "firmware-config", "*.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no example configs in firmware-config/")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			prog := programFor(f)
			if prog == "" {
				t.Fatalf("no program is known to read %s: name it hall*.toml, kiosk*.toml or display*.toml", filepath.Base(f))
			}
			bin := binary(t, prog)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, bin, "-config", f, "-check-config").CombinedOutput()
			if err != nil {
				t.Errorf("%s -config %s -check-config: %v\n%s", prog, filepath.Base(f), err, out)
			}
		})
	}
}

// units are the systemd units in firmware-config/systemd.
func units(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*.service", "*.timer"} {
		m, err := filepath.Glob(filepath.Join(repo, "firmware-config", "systemd", pat))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) < 5 {
		t.Fatalf("found %d units, want the server, kiosk, display and backup ones", len(out))
	}
	return out
}

// execStarts maps every ExecStart program of the units to the file that
// goes there: a built binary, or a script from firmware-config.
func execStarts(t *testing.T, files []string) map[string]string {
	t.Helper()
	want := map[string]string{}
	for _, u := range files {
		data, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(data)) {
			v, ok := strings.CutPrefix(strings.TrimSpace(line), "ExecStart=")
			if !ok {
				continue
			}
			path := strings.Fields(v)[0]
			switch base := filepath.Base(path); base {
			case "hallserver", "kiosk", "display", "escpos", "hallsim":
				want[path] = binary(t, base)
			case "hallq-backup":
				want[path] = filepath.Join(repo, "firmware-config", "backup", base)
			default:
				t.Fatalf("%s: ExecStart %s: the test does not know what goes there", filepath.Base(u), path)
			}
		}
	}
	return want
}

func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "" {
		t.Skipf("%s is not installed (apt-get install %s); CI runs this test", name, pkg)
	}
	t.Fatalf("%s is not installed: CI must apt-get install %s", name, pkg)
	return ""
}

// TestUnitsVerify runs systemd-analyze verify on every unit with its
// programs present at the ExecStart paths. In CI (or with
// HALLQ_VERIFY_SYSTEM=1, as root) the binaries are installed at the real
// paths (/usr/local/bin/…) and the units verified as they are; elsewhere
// the units are verified from copies that point at the freshly built
// binaries instead, so a developer's /usr/local stays untouched.
func TestUnitsVerify(t *testing.T) {
	sa := needTool(t, "systemd-analyze", "systemd")
	files := units(t)
	progs := execStarts(t, files)
	toVerify := files
	if os.Getenv("CI") != "" || os.Getenv("HALLQ_VERIFY_SYSTEM") == "1" {
		if os.Geteuid() != 0 {
			t.Fatalf("installing the binaries at their ExecStart paths needs root: run CI as root, or install %v first", slices.Sorted(mapsKeys(progs)))
		}
		for dst, src := range progs {
			if err := copyFile(src, dst, 0o755); err != nil {
				t.Fatalf("install %s: %v", dst, err)
			}
		}
	} else {
		dir := t.TempDir()
		toVerify = nil
		for _, u := range files {
			data, err := os.ReadFile(u)
			if err != nil {
				t.Fatal(err)
			}
			s := string(data)
			for dst, src := range progs {
				s = strings.ReplaceAll(s, dst+" ", src+" ")
				s = strings.ReplaceAll(s, dst+"\n", src+"\n")
			}
			p := filepath.Join(dir, filepath.Base(u))
			if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
			toVerify = append(toVerify, p)
		}
	}
	out, err := exec.Command(sa, append([]string{"verify"}, toVerify...)...).CombinedOutput()
	// verify exits 0 on unknown keys and only warns: any output is a failure.
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func copyFile(src, dst string, mode os.FileMode) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp := dst + ".hallq-test"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// snapshot lists a tree: every path with its mode, owner, size, content
// hash or link target.
func snapshot(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		line := fmt.Sprintf("%s %v", rel, fi.Mode())
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			line += fmt.Sprintf(" %d:%d", st.Uid, st.Gid)
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			line += " -> " + target
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			line += fmt.Sprintf(" %d %s", len(data), hex.EncodeToString(sum[:]))
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// install runs install.sh into root with the built binaries.
func install(t *testing.T, root string, args ...string) string {
	t.Helper()
	cmd := exec.Command("sh", append([]string{filepath.Join(repo, "firmware-config", "install.sh")}, args...)...)
	cmd.Env = append(os.Environ(), "DESTDIR="+root)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("install.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// binDirFor builds the binaries a role installs into one directory.
func binDirFor(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := copyFile(binary(t, n), filepath.Join(dir, n), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestInstallTwiceGivesTheSameTree(t *testing.T) {
	needTool(t, "systemd-sysusers", "systemd")
	bins := binDirFor(t, "hallserver", "escpos", "kiosk", "display")
	for _, tc := range []struct {
		name  string
		args  []string
		files map[string]string // path → a string it must contain
	}{
		{"server", []string{"server"}, map[string]string{
			"usr/local/bin/hallserver":                                        "",
			"usr/local/lib/hallq/hallq-backup":                                "hallserver",
			"etc/hallq/hall.toml":                                             "[hall]",
			"etc/systemd/system/hallq-server.service":                         "Type=notify",
			"etc/systemd/system/multi-user.target.wants/hallq-server.service": "",
			"etc/systemd/system/timers.target.wants/hallq-backup.timer":       "",
			"etc/systemd/journald.conf.d/hallq.conf":                          "SystemMaxUse=",
			"etc/chrony/conf.d/hallq-server.conf":                             "local stratum",
			"boot/firmware/config.txt":                                        "dtoverlay=i2c-rtc,ds3231",
			"etc/passwd":                                                      "hallq:",
			"var/backups/hallq":                                               "",
		}},
		{"counter kiosk with touch browser", []string{"kiosk", "--server", "http://10.1.2.3:8080", "--config", "kiosk-counter.toml",
			"--browser", "http://127.0.0.1:8081/", "--touch", "--desktop-user", "hall"}, map[string]string{
			"usr/local/bin/kiosk":                                            "",
			"etc/hallq/kiosk.toml":                                           "[[pads]]",
			"etc/hallq/examples/kiosk-touch.toml":                            "",
			"usr/lib/udev/rules.d/60-hallq-printer.rules":                    "hallq-printer",
			"etc/systemd/timesyncd.conf.d/hallq.conf":                        "NTP=10.1.2.3",
			"etc/chrony/sources.d/hallq.sources":                             "server 10.1.2.3 iburst",
			"boot/firmware/config.txt":                                       "gpio=5,6,13,17,22,23,24,27=ip,pu",
			"etc/hallq/browser.env":                                          "HALLQ_BROWSER_TOUCH=1",
			"home/hall/.config/labwc/autostart":                              "hallq-browser",
			"usr/local/lib/hallq/hallq-browser":                              "--autoplay-policy=no-user-gesture-required",
			"etc/systemd/system/hallq-kiosk.service":                         "DeviceAllow=char-gpiochip",
			"etc/systemd/system/multi-user.target.wants/hallq-kiosk.service": "",
		}},
		{"display", []string{"display", "--server", "http://hallq.local:8080"}, map[string]string{
			"usr/local/bin/display":                    "",
			"etc/hallq/display.toml":                   `server = "http://hallq.local:8080"`,
			"etc/hallq/examples/display-led.toml":      "max7219",
			"etc/systemd/system/hallq-display.service": "char-spi",
			"etc/systemd/timesyncd.conf.d/hallq.conf":  "NTP=hallq.local",
			"boot/firmware/config.txt":                 "dtparam=spi=on",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.MkdirAll(filepath.Join(root, "boot", "firmware"), 0o755); err != nil {
				t.Fatal(err)
			}
			cfgtxt := "# Raspberry Pi OS\ndtparam=audio=on\n"
			if err := os.WriteFile(filepath.Join(root, "boot", "firmware", "config.txt"), []byte(cfgtxt), 0o644); err != nil {
				t.Fatal(err)
			}
			args := append(slices.Clone(tc.args), "--bin", bins)
			install(t, root, args...)
			first := snapshot(t, root)
			out := install(t, root, args...)
			second := snapshot(t, root)
			if !slices.Equal(first, second) {
				t.Errorf("the second run changed the tree:\n%s\ninstall.sh said:\n%s", diffLines(first, second), out)
			}
			for p, want := range tc.files {
				full := filepath.Join(root, p)
				fi, err := os.Lstat(full)
				if err != nil {
					t.Errorf("%s: %v", p, err)
					continue
				}
				if fi.Mode()&fs.ModeSymlink != 0 {
					// An enabled unit: a link to the unit as the target
					// system will see it.
					if target, _ := os.Readlink(full); target != "/etc/systemd/system/"+filepath.Base(p) {
						t.Errorf("%s links to %q, want /etc/systemd/system/%s", p, target, filepath.Base(p))
					}
					continue
				}
				if fi.IsDir() || want == "" {
					continue
				}
				data, _ := os.ReadFile(full)
				if !strings.Contains(string(data), want) {
					t.Errorf("%s lacks %q", p, want)
				}
			}
			noDemoTokens(t, root)
			data, _ := os.ReadFile(filepath.Join(root, "boot", "firmware", "config.txt"))
			if !strings.HasPrefix(string(data), cfgtxt) || strings.Count(string(data), "# >>> hallq >>>") != 1 {
				t.Errorf("config.txt: want the original lines and one hallq block, got:\n%s", data)
			}
			for _, p := range []string{"etc/hallq/hall.toml", "etc/hallq/kiosk.toml", "etc/hallq/display.toml"} {
				if fi, err := os.Stat(filepath.Join(root, p)); err == nil && fi.Mode().Perm() != 0o640 {
					t.Errorf("%s: mode %v, want 0640 (it may hold tokens)", p, fi.Mode().Perm())
				}
			}
		})
	}
}

// noDemoTokens fails if a demo hall's token is anywhere in an installed
// tree (the binaries aside: hallserver -demo knows them): a hall's devices
// enrol, and a demo token would let anyone who read the examples in.
func noDemoTokens(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "/usr/local/bin/") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil // a link into the target system
		}
		for _, tok := range []string{"demo-kiosk", "demo-pad", "demo-display"} {
			if bytes.Contains(data, []byte(tok)) {
				rel, _ := filepath.Rel(root, p)
				t.Errorf("%s holds the demo token %s", rel, tok)
			}
		}
		return nil
	})
}

func TestInstallKeepsTheAdminsConfig(t *testing.T) {
	needTool(t, "systemd-sysusers", "systemd")
	bins := binDirFor(t, "hallserver", "escpos")
	root := t.TempDir()
	mine := filepath.Join(root, "etc", "hallq", "hall.toml")
	if err := os.MkdirAll(filepath.Dir(mine), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mine, []byte("# my hall\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	out := install(t, root, "server", "--bin", bins, "--no-boot-config")
	if data, _ := os.ReadFile(mine); string(data) != "# my hall\n" {
		t.Errorf("install.sh replaced the admin's hall.toml with:\n%s", data)
	}
	if !strings.Contains(out, "kept /etc/hallq/hall.toml") {
		t.Errorf("install.sh did not say it kept hall.toml:\n%s", out)
	}
	// A bad role or a missing binary is refused before anything is written.
	empty := t.TempDir()
	cmd := exec.Command("sh", filepath.Join(repo, "firmware-config", "install.sh"), "kiosk", "--root", empty, "--bin", bins)
	if msg, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(msg), "no "+bins+"/kiosk") {
		t.Errorf("install without the kiosk binary: got %v %s, want a refusal naming it", err, msg)
	}
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Errorf("a refused install wrote %d entries", len(ents))
	}
	// A server URL that would break the config's quoting is refused.
	for _, bad := range []string{`http://x"y:8080`, "hallq.local:8080", "http://a b"} {
		cmd = exec.Command("sh", filepath.Join(repo, "firmware-config", "install.sh"), "kiosk", "--root", empty, "--bin", bins, "--server", bad)
		if msg, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(msg), "want http://HOST:PORT") {
			t.Errorf("--server %q: got %v %s, want a refusal", bad, err, msg)
		}
	}
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Errorf("a refused install wrote %d entries", len(ents))
	}
}

func diffLines(a, b []string) string {
	var sb strings.Builder
	for _, l := range a {
		if !slices.Contains(b, l) {
			fmt.Fprintf(&sb, "- %s\n", l)
		}
	}
	for _, l := range b {
		if !slices.Contains(a, l) {
			fmt.Fprintf(&sb, "+ %s\n", l)
		}
	}
	return sb.String()
}

func TestBackupScriptKeepsTheNewest(t *testing.T) {
	hallserver := binary(t, "hallserver")
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "hallq.db")
	db, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	backups := filepath.Join(dir, "backups")
	os.Mkdir(backups, 0o750)
	old := []string{"hallq-2026-01-01T023000.db", "hallq-2026-01-02T023000.db", "hallq-2026-01-03T023000.db", "hallq-2026-01-04T023000.db"}
	for _, f := range append(slices.Clone(old), ".hallq-2026-01-04T023000.db.part", "notes.txt") {
		os.WriteFile(filepath.Join(backups, f), []byte("x"), 0o640)
	}
	cmd := exec.Command(filepath.Join(repo, "firmware-config", "backup", "hallq-backup"))
	cmd.Env = append(os.Environ(), "HALLQ_DB="+dbPath, "HALLQ_BACKUP_DIR="+backups, "HALLQ_BACKUP_KEEP=3", "HALLSERVER="+hallserver)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hallq-backup: %v\n%s", err, out)
	}
	ents, _ := os.ReadDir(backups)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 4 || names[0] != old[2] || names[1] != old[3] || names[3] != "notes.txt" || !strings.HasPrefix(names[2], "hallq-20") {
		t.Fatalf("backups after the run: %v; want %s, %s, the new copy and notes.txt\n%s", names, old[2], old[3], out)
	}
	copyDB, err := sqlite.Open(context.Background(), filepath.Join(backups, names[2]))
	if err != nil {
		t.Fatalf("open the new copy: %v", err)
	}
	defer copyDB.Close()
	if v, err := copyDB.SchemaVersion(context.Background()); err != nil || v < 1 {
		t.Errorf("the new copy's schema: %d, %v", v, err)
	}
}

// TestReleaseBuildsEveryTarget runs the release command as documented and
// looks into the three tarballs. The release is the one the first-day and
// qemu tests use too: built once.
func TestReleaseBuildsEveryTarget(t *testing.T) {
	version := releaseVersion
	out := release(t)
	cmds := []string{"hallserver", "kiosk", "display", "escpos", "hallsim"}
	for _, tc := range []struct {
		label   string
		machine elf.Machine
	}{{"arm64", elf.EM_AARCH64}, {"armv7", elf.EM_ARM}, {"amd64", elf.EM_X86_64}} {
		t.Run(tc.label, func(t *testing.T) {
			name := "hallq-" + version + "-linux-" + tc.label
			if _, err := os.Stat(filepath.Join(out, name+".tar.gz")); err != nil {
				t.Fatal(err)
			}
			// Unpacked by tar, as an installer does (and once for every
			// test: reading ~70 MB through Go's gzip in a -race test binary
			// took minutes on a busy machine).
			top := unpack(t, tc.label)
			for _, c := range cmds {
				f, err := elf.Open(filepath.Join(top, "bin", c))
				if err != nil {
					t.Errorf("%s: bin/%s: %v", name, c, err)
					continue
				}
				if f.Machine != tc.machine {
					t.Errorf("bin/%s is for %v, want %v", c, f.Machine, tc.machine)
				}
				f.Close()
			}
			for _, p := range []string{"firmware-config/install.sh", "firmware-config/systemd/hallq-server.service",
				"firmware-config/systemd/hallq-kiosk.service", "firmware-config/systemd/hallq-display.service",
				"firmware-config/udev/60-hallq-printer.rules", "firmware-config/hall.toml", "docs/INSTALL.md", "VERSION", "SHA256SUMS"} {
				if st, err := os.Stat(filepath.Join(top, p)); err != nil || !st.Mode().IsRegular() {
					t.Errorf("%s lacks %s", name, p)
				}
			}
			if tc.label != "amd64" {
				return
			}
			// The amd64 binaries run here: each names the release.
			for _, c := range cmds {
				got, err := exec.Command(filepath.Join(top, "bin", c), "-version").CombinedOutput()
				if err != nil || !strings.Contains(string(got), c+" "+version) {
					t.Errorf("%s -version: got %q, %v; want %q", c, got, err, c+" "+version)
				}
			}
		})
	}
}

// TestShellScripts runs shellcheck over the shell scripts, where it is
// installed.
func TestShellScripts(t *testing.T) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck is not installed (apt-get install shellcheck)")
	}
	scripts := []string{"firmware-config/install.sh", "firmware-config/backup/hallq-backup", "firmware-config/desktop/hallq-browser", "scripts/release.sh"}
	cmd := exec.Command(sc, append([]string{"-s", "sh"}, scripts...)...)
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

// udevRules evaluates the USB part of the printer rule the way udev does
// for a /dev/usb/lpN device whose parents carry attrs: each rule line
// applies when all its ATTRS{…}=="…" match; it returns the symlinks and
// group the device gets.
func udevRules(t *testing.T, attrs map[string]string) (symlinks []string, group string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repo, "firmware-config", "udev", "60-hallq-printer.rules"))
	if err != nil {
		t.Fatal(err)
	}
	_, usb, ok := strings.Cut(string(data), "LABEL=\"hallq_printer_usb\"")
	if !ok {
		t.Fatal("the rule has no hallq_printer_usb section")
	}
	usb, _, _ = strings.Cut(usb, "LABEL=")
	match := regexp.MustCompile(`ATTRS\{(\w+)\}=="([^"]*)"`)
	for line := range strings.Lines(usb) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "GOTO=") {
			break
		}
		applies := true
		for _, m := range match.FindAllStringSubmatch(line, -1) {
			if attrs[m[1]] != m[2] {
				applies = false
			}
		}
		if !applies {
			continue
		}
		for _, m := range regexp.MustCompile(`SYMLINK\+="([^"]+)"`).FindAllStringSubmatch(line, -1) {
			symlinks = append(symlinks, m[1])
		}
		if m := regexp.MustCompile(`GROUP="([^"]+)"`).FindStringSubmatch(line); m != nil {
			group = m[1]
		}
	}
	return symlinks, group
}

// TestUdevRuleNamesAnyUSBPrinter: a printer whose ids are in no list still
// gets /dev/hallq-printer, through its USB printer-class interface (07).
func TestUdevRuleNamesAnyUSBPrinter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attrs map[string]string
	}{
		{"listed Epson", map[string]string{"idVendor": "04b8", "idProduct": "0202", "bInterfaceClass": "07"}},
		{"unlisted printer", map[string]string{"idVendor": "28e9", "idProduct": "0289", "bInterfaceClass": "07"}},
	} {
		links, group := udevRules(t, tc.attrs)
		if !slices.Contains(links, "hallq-printer") || group != "lp" {
			t.Errorf("%s: symlinks %v, group %q; want hallq-printer and lp", tc.name, links, group)
		}
	}
	if links, _ := udevRules(t, map[string]string{"idVendor": "28e9", "idProduct": "0289", "bInterfaceClass": "ff"}); len(links) != 0 {
		t.Errorf("a vendor-class interface got %v", links)
	}
}

// TestBadConfigIsNotRestarted: a program started as its unit starts it,
// but with a config that has a mistake, exits 2, and its unit does not
// restart it on 2 (it would fail the same way every 2 s for ever).
func TestBadConfigIsNotRestarted(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[hall]\nname = \"x\"\nmisspelt_key = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, u := range units(t) {
		data, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		unit := string(data)
		if !strings.Contains(unit, "Restart=always") {
			continue
		}
		var execStart string
		for line := range strings.Lines(unit) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "ExecStart="); ok {
				execStart = v
			}
		}
		args := strings.Fields(execStart)
		if !slices.Contains(args, "-config") {
			continue
		}
		t.Run(filepath.Base(u), func(t *testing.T) {
			if !strings.Contains(unit, "\nRestartPreventExitStatus=2\n") {
				t.Errorf("%s restarts a program that exits 2 on a bad config: add RestartPreventExitStatus=2", filepath.Base(u))
			}
			// The unit's own command line, with the bad config and paths
			// of this test.
			for i := range args {
				switch {
				case i > 0 && args[i-1] == "-config":
					args[i] = bad
				case i > 0 && args[i-1] == "-db":
					args[i] = filepath.Join(dir, "hallq.db")
				case i > 0 && args[i-1] == "-addr":
					args[i] = "127.0.0.1:0"
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary(t, filepath.Base(args[0])), args[1:]...)
			out, err := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != 2 {
				t.Errorf("%s with a bad config: exit %d (%v), want 2\n%s", filepath.Base(args[0]), code, err, out)
			}
		})
	}
}

// TestTokenFileAdviceMatchesTheUnit: where an example config tells the
// installer to keep a token file, the service's user can read it: in one
// of the unit's state directories (owned by hallq), never "a file only
// root reads" while the program runs as hallq.
func TestTokenFileAdviceMatchesTheUnit(t *testing.T) {
	unitFor := map[string]string{"kiosk": "hallq-kiosk.service", "display": "hallq-display.service"}
	files, _ := filepath.Glob(filepath.Join(repo, "firmware-config", "*.toml"))
	tokenFile := regexp.MustCompile(`token_file\s*=\s*"([^"]+)"`)
	for _, f := range files {
		prog := programFor(f)
		unit, ok := unitFor[prog]
		if !ok {
			continue
		}
		udata, err := os.ReadFile(filepath.Join(repo, "firmware-config", "systemd", unit))
		if err != nil {
			t.Fatal(err)
		}
		var dirs []string
		if m := regexp.MustCompile(`(?m)^StateDirectory=(.*)$`).FindStringSubmatch(string(udata)); m != nil {
			for _, d := range strings.Fields(m[1]) {
				dirs = append(dirs, "/var/lib/"+d+"/")
			}
		}
		if !strings.Contains(string(udata), "\nUser=hallq\n") || len(dirs) == 0 {
			t.Fatalf("%s: want User=hallq and a StateDirectory", unit)
		}
		data, _ := os.ReadFile(f)
		if strings.Contains(string(data), "only root") {
			t.Errorf("%s advises a file only root reads, but %s runs as hallq", filepath.Base(f), unit)
		}
		for _, m := range tokenFile.FindAllStringSubmatch(string(data), -1) {
			ok := false
			for _, d := range dirs {
				ok = ok || strings.HasPrefix(m[1], d)
			}
			if !ok {
				t.Errorf("%s: token_file %s is not in %s's state directories %v (owned by hallq)", filepath.Base(f), m[1], unit, dirs)
			}
		}
	}
}

// TestInstallWritesTheServerURL: --server reaches every config install.sh
// installs, not only the time sync; a re-run keeps what the hall edited
// and moves only the URL, and only when --server is given.
func TestInstallWritesTheServerURL(t *testing.T) {
	needTool(t, "systemd-sysusers", "systemd")
	bins := binDirFor(t, "hallserver", "escpos", "kiosk", "display")
	for _, tc := range []struct {
		role, config, line string
	}{
		{"kiosk", "kiosk.toml", `url = "%s"`},
		{"kiosk", "kiosk-counter.toml", `url = "%s"`},
		{"kiosk", "kiosk-touch.toml", `url = "%s"`},
		{"display", "display.toml", `server = "%s"`},
		{"display", "display-led.toml", `server = "%s"`},
		{"display", "display-terminal.toml", `server = "%s"`},
		{"server", "hall.toml", `base_url = "%s"`},
	} {
		t.Run(tc.config, func(t *testing.T) {
			root := t.TempDir()
			live := filepath.Join(root, "etc", "hallq", strings.SplitN(tc.role, "-", 2)[0]+".toml")
			if tc.role == "server" {
				live = filepath.Join(root, "etc", "hallq", "hall.toml")
			}
			url := "http://10.1.2.3:8080"
			install(t, root, tc.role, "--server", url, "--config", tc.config, "--bin", bins, "--no-boot-config")
			data, err := os.ReadFile(live)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf(tc.line, url); !strings.Contains(string(data), "\n"+want+"\n") {
				t.Fatalf("%s lacks %q:\n%s", live, want, data)
			}
			prog := programFor(tc.config)
			if out, err := exec.Command(binary(t, prog), "-config", live, "-check-config").CombinedOutput(); err != nil {
				t.Errorf("the installed config fails its check: %v\n%s", err, out)
			}
			// The hall edits the file; a re-run with another server keeps
			// the edit and moves the URL; one without --server moves nothing.
			edited := strings.Replace(string(data), fmt.Sprintf(tc.line, url), fmt.Sprintf(tc.line, url)+"\n# edited by the hall", 1)
			if err := os.WriteFile(live, []byte(edited), 0o640); err != nil {
				t.Fatal(err)
			}
			other := "http://192.168.7.2:8080"
			install(t, root, tc.role, "--server", other, "--config", tc.config, "--bin", bins, "--no-boot-config")
			data, _ = os.ReadFile(live)
			if !strings.Contains(string(data), "\n# edited by the hall\n") || !strings.Contains(string(data), fmt.Sprintf(tc.line, other)) || strings.Contains(string(data), url) {
				t.Errorf("after a re-run with --server %s:\n%s", other, data)
			}
			install(t, root, tc.role, "--config", tc.config, "--bin", bins, "--no-boot-config")
			if again, _ := os.ReadFile(live); string(again) != string(data) {
				t.Errorf("a re-run without --server changed the config:\n%s", again)
			}
		})
	}
}

// TestNamedExamplesExist: every example config the docs, the README and the
// files of firmware-config/ name (`display-led.toml`, `kiosk-counter.toml`…)
// is shipped, so an installer who follows a pointer finds the file
// (display.toml once sent hall-TV installers to a display-tv.toml that
// never existed).
func TestNamedExamplesExist(t *testing.T) {
	named := regexp.MustCompile(`\b[a-z][a-z0-9-]*\.toml\b`)
	var files []string
	for _, pattern := range []string{"README.md", "docs/*.md", "firmware-config/*", "firmware-config/*/*"} {
		m, err := filepath.Glob(filepath.Join(repo, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			continue // a directory
		}
		for _, name := range named.FindAllString(string(data), -1) {
			checked++
			if _, err := os.Stat(filepath.Join(repo, "firmware-config", name)); err != nil {
				rel, _ := filepath.Rel(repo, f)
				t.Errorf("%s names %s, which firmware-config/ does not ship", rel, name)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no example config named anywhere: the pattern is wrong")
	}
}

// TestReleaseDocsStandAlone: every link in the guides a release ships —
// from INSTALL.md to DISPLAYS.md, CENTRAL.md, the wiring diagram, the
// screenshots — leads to a file in the tarball. Releases once held
// INSTALL.md alone, its links pointing at files the installer did not have.
func TestReleaseDocsStandAlone(t *testing.T) {
	top := unpack(t, "amd64")
	checkLinks(t, top, "README.md", "docs")
	if _, err := os.Stat(filepath.Join(top, "docs", "docs.go")); err == nil {
		t.Error("the release ships docs/docs.go: only the guides and their pictures belong there")
	}
}

// checkLinks checks the relative links of the Markdown files under dir
// (below base) and of base/first: each must name a file or directory there.
func checkLinks(t *testing.T, base, first, dir string) {
	t.Helper()
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	files := []string{filepath.Join(base, first)}
	more, err := filepath.Glob(filepath.Join(base, dir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, more...)
	links := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, m := range link.FindAllStringSubmatch(string(data), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			links++
			if _, err := os.Stat(filepath.Join(filepath.Dir(f), target)); err != nil {
				rel, _ := filepath.Rel(base, f)
				t.Errorf("%s links to %s, which is not there", rel, m[1])
			}
		}
	}
	if links == 0 {
		t.Errorf("no relative link found under %s: the check checks nothing", base)
	}
}
