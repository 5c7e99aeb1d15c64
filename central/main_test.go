package central_test

import (
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/hallq/hallq/central/pgtest"
	"github.com/hallq/hallq/server"
)

// TestMain runs the package's tests with one throwaway PostgreSQL; each
// test makes its own database on it.
func TestMain(m *testing.M) {
	server.PasswordCost = bcrypt.MinCost
	pgtest.Main(m)
}
