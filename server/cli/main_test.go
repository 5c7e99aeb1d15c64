package cli_test

import (
	"os"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/hallq/hallq/server/api"
)

// TestMain hashes passwords at bcrypt's lowest cost, as the other servers
// under test do (servertest, central): at the real cost (11) a sign-in in
// a -race binary on a busy two-core machine took longer than the server's
// 60 s write timeout, and the test's login read EOF. What these tests
// prove — an account added, replaced or disabled by the command takes
// effect in the running server — does not depend on the cost; the default
// cost has its own test (server/api).
func TestMain(m *testing.M) {
	api.PasswordCost = bcrypt.MinCost
	os.Exit(m.Run())
}
