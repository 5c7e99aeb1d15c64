package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/central"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/sqlite"
)

func openDB(ctx context.Context, path string) (*sqlite.DB, error) {
	if path == "" {
		return nil, usagef("-db FILE is required")
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no hall database at %s: %w", path, err)
	}
	return sqlite.Open(ctx, path)
}

func backup(ctx context.Context, args []string, env Env) error {
	fs := newFlags("backup", env)
	dbPath := fs.String("db", "", "the hall's database")
	out := fs.String("o", "", "where to write the copy (must not exist)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("-o COPY is required")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s already exists: choose a new name", *out)
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, *out); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "backed up %s to %s\n", *dbPath, *out)
	return nil
}

func userAdd(ctx context.Context, args []string, env Env) error {
	fs := newFlags("user add", env)
	dbPath := fs.String("db", "", "the hall's database, or the central store's postgres:// URL")
	username := fs.String("username", "", "the staff member's sign-in name")
	role := fs.String("role", "", "officer, manager or admin")
	replace := fs.Bool("replace", false, "replace the role and password of an existing account (without it, an existing name is refused)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return usagef("-username is required")
	}
	if !hallq.ValidRole(hallq.Role(*role)) {
		return usagef("-role must be officer, manager or admin, not %q", *role)
	}
	// The password is one line on stdin, so it never shows in ps or history.
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("read the password from stdin: %w", err)
	}
	pw := strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	hash, err := api.HashPassword(pw)
	if err != nil {
		return err
	}
	u := hallq.User{Username: *username, Role: hallq.Role(*role)}
	if central.IsDSN(*dbPath) {
		cdb, err := openCentral(ctx, *dbPath)
		if err != nil {
			return err
		}
		defer cdb.Close()
		if *replace {
			err = cdb.PutUser(ctx, u, hash)
		} else {
			err = cdb.AddUser(ctx, u, hash)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "user %s (%s) saved in the central store\n", *username, *role)
		return nil
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if !*replace {
		if _, _, err := db.UserHash(ctx, *username); err == nil {
			return hallq.Errorf(hallq.ECONFLICT, "the hall has a user %q already: -replace gives it this role and password", *username)
		} else if hallq.ErrorCode(err) != hallq.ENOTFOUND {
			return err
		}
	}
	if err := db.PutUser(ctx, u, hash); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "user %s (%s) saved\n", *username, *role)
	return nil
}

func userList(ctx context.Context, args []string, env Env) error {
	fs := newFlags("user list", env)
	dbPath := fs.String("db", "", "the hall's database, or the central store's postgres:// URL")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var us []hallq.User
	if central.IsDSN(*dbPath) {
		cdb, err := openCentral(ctx, *dbPath)
		if err != nil {
			return err
		}
		defer cdb.Close()
		if us, err = cdb.Users(ctx); err != nil {
			return err
		}
	} else {
		db, err := openDB(ctx, *dbPath)
		if err != nil {
			return err
		}
		defer db.Close()
		if us, err = db.Users(ctx); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tROLE\tDISABLED")
	for _, u := range us {
		fmt.Fprintf(tw, "%s\t%s\t%v\n", u.Username, u.Role, u.Disabled)
	}
	return tw.Flush()
}

func deviceAdd(ctx context.Context, args []string, env Env) error {
	fs := newFlags("device add", env)
	dbPath := fs.String("db", "", "the hall's database")
	kind := fs.String("kind", "", "kiosk, display or pad")
	name := fs.String("name", "", "a name for the device, e.g. kiosk-entrance")
	counter := fs.Int("counter", 0, "the counter a pad is bound to")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d := hallq.Device{Name: *name, Kind: hallq.DeviceKind(*kind), Counter: *counter}
	if d.Name == "" {
		return usagef("-name is required")
	}
	if !hallq.ValidDeviceKind(d.Kind) {
		return usagef("-kind must be kiosk, display, pad or portal, not %q", *kind)
	}
	if d.Kind == hallq.DevicePad && d.Counter <= 0 {
		return usagef("a pad needs -counter N, the counter it is bound to")
	}
	if d.Kind != hallq.DevicePad && d.Counter != 0 {
		return usagef("-counter is only for pads")
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if d.Kind == hallq.DevicePad {
		if err := checkCounter(ctx, db, d.Counter); err != nil {
			return err
		}
	}
	token := api.NewToken()
	if err := db.AddDevice(ctx, d, api.HashToken(token)); err != nil {
		return err
	}
	// Only the token on stdout, so that scripts can capture it.
	fmt.Fprintln(env.Stdout, token)
	return nil
}

func checkCounter(ctx context.Context, db *sqlite.DB, id int) error {
	st, err := db.LoadState(ctx)
	if err != nil {
		return err
	}
	for _, c := range st.Counters {
		if c.ID == id {
			return nil
		}
	}
	return hallq.Errorf(hallq.ENOTFOUND, "the hall has no counter %d", id)
}

func deviceList(ctx context.Context, args []string, env Env) error {
	fs := newFlags("device list", env)
	dbPath := fs.String("db", "", "the hall's database")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	ds, err := db.Devices(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tCOUNTER\tSTATE\tLAST SEEN")
	for _, d := range ds {
		state, seen, counter := "active", "never", "-"
		if d.RevokedAt != nil {
			state = "revoked"
		}
		if d.LastSeen != nil {
			seen = d.LastSeen.Format(time.DateTime)
		}
		if d.Counter > 0 {
			counter = fmt.Sprint(d.Counter)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Name, d.Kind, counter, state, seen)
	}
	return tw.Flush()
}

func deviceRevoke(ctx context.Context, args []string, env Env) error {
	fs := newFlags("device revoke", env)
	dbPath := fs.String("db", "", "the hall's database")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("name the device to revoke: device revoke -db FILE NAME")
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RevokeDevice(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "device %s revoked\n", fs.Arg(0))
	return nil
}
