package hallq

import (
	"errors"
	"net/http"
	"testing"
)

// TestErrorStatusesRoundTrip: every code has its own status, and a status
// without a body maps back to the code it stands for.
func TestErrorStatusesRoundTrip(t *testing.T) {
	seen := map[int]string{}
	for _, code := range []string{ECONFLICT, EINTERNAL, EINVALID, ENOTFOUND, EUNAUTHORIZED, EFORBIDDEN, EUNAVAILABLE} {
		st := HTTPStatus(code)
		if other, dup := seen[st]; dup {
			t.Errorf("%s and %s share status %d", code, other, st)
		}
		seen[st] = code
		if got := StatusCode(st); got != code {
			t.Errorf("StatusCode(HTTPStatus(%s) = %d) = %s", code, st, got)
		}
	}
	if got := HTTPStatus("no-such-code"); got != http.StatusInternalServerError {
		t.Errorf("unknown code: status %d, want 500", got)
	}
	if got := StatusCode(http.StatusTooManyRequests); got != EUNAVAILABLE {
		t.Errorf("429: %s, want %s", got, EUNAVAILABLE)
	}
	if got := StatusCode(http.StatusBadGateway); got != EINTERNAL {
		t.Errorf("502: %s, want %s", got, EINTERNAL)
	}
}

// TestErrorBodyHidesInternals: an error that is not an *Error travels as
// EINTERNAL with a generic message, and a coded one comes back intact.
func TestErrorBodyHidesInternals(t *testing.T) {
	b := NewErrorBody(errors.New("disk I/O error at /var/lib/hallq"))
	if b.Error.Code != EINTERNAL || b.Error.Message != "internal error" {
		t.Errorf("plain error: %+v", b.Error)
	}
	e := &Error{Code: EUNAVAILABLE, Message: "closed", Reason: "outside_hours"}
	if got := NewErrorBody(e).Err(); *got != *e {
		t.Errorf("round trip: %+v, want %+v", got, e)
	}
}
