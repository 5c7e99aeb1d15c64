package central_test

import (
	"context"
	"os"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/hallq/hallq/central/pgtest"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/cli"
)

// serverEnv makes the test binary run as hallserver (see TestMain).
const serverEnv = "CENTRAL_TEST_HALLSERVER=1"

// TestMain runs the package's tests with one throwaway PostgreSQL; each
// test makes its own database on it. Started with serverEnv, the test
// binary is hallserver instead (a hall that tests kill with SIGKILL).
func TestMain(m *testing.M) {
	api.PasswordCost = bcrypt.MinCost // the demo's accounts are hashed as the hall starts
	if os.Getenv("CENTRAL_TEST_HALLSERVER") == "1" {
		os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
	}
	pgtest.Main(m)
}
