package server

import (
	"context"
	"sync"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/config"
	"github.com/hallq/hallq/server/sqlite"
)

// SeedDemo sets up the demo hall, its staff logins and its devices in an
// empty database.
func SeedDemo(ctx context.Context, db *sqlite.DB) error {
	d := config.Demo()
	if err := db.Seed(ctx, d.Settings, d.Services, d.Counters); err != nil {
		return err
	}
	for _, a := range config.DemoAccounts() {
		hash, err := demoHash(a.Password)
		if err != nil {
			return err
		}
		if err := db.PutUser(ctx, hallq.User{Username: a.Username, Role: a.Role}, hash); err != nil {
			return err
		}
	}
	for _, dd := range config.DemoDevices() {
		if err := db.AddDevice(ctx, dd.Device, api.HashToken(dd.Token)); err != nil {
			return err
		}
	}
	return nil
}

var demoHashes sync.Map // password → bcrypt hash

// demoHash hashes a demo password once per process: bcrypt is slow by
// design, and tests set up many demo halls.
func demoHash(pw string) (string, error) {
	if h, ok := demoHashes.Load(pw); ok {
		return h.(string), nil
	}
	h, err := api.HashPassword(pw)
	if err != nil {
		return "", err
	}
	demoHashes.Store(pw, h)
	return h, nil
}
