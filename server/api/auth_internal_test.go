package api

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// At the hall's own cost, the unknown-user hash is ready-made: the first
// sign-in for an unknown username hashes nothing (under load, a hash and a
// check at cost 11 took longer than the server's 60 s write timeout), and
// it is a real hash of that cost, so checking against it takes as long as
// checking a real account's password.
func TestNoSuchUserHashReadyMade(t *testing.T) {
	if PasswordCost != defaultPasswordCost {
		t.Fatalf("PasswordCost %d before any test lowered it, want %d", PasswordCost, defaultPasswordCost)
	}
	h := noSuchUserHash()
	if string(h) != noSuchUserDefault {
		t.Errorf("the unknown-user hash at cost %d is %q, want the ready-made one", PasswordCost, h)
	}
	if c, err := bcrypt.Cost(h); err != nil || c != defaultPasswordCost {
		t.Errorf("the ready-made hash: cost %d (%v), want %d", c, err, defaultPasswordCost)
	}
}
