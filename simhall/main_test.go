package simhall

import (
	"context"
	"os"
	"testing"

	"github.com/hallq/hallq/server/cli"
)

// serverEnv makes the test binary run as hallserver (see TestMain).
const serverEnv = "SIMHALL_TEST_HALLSERVER=1"

// TestMain lets the test binary stand in for hallserver: tests start it
// with serverEnv and the server's flags.
func TestMain(m *testing.M) {
	if os.Getenv("SIMHALL_TEST_HALLSERVER") == "1" {
		os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
	}
	os.Exit(m.Run())
}

var serverCommand = SelfCommand([]string{serverEnv})
