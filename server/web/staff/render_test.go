package staff_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hallq/hallq/server/web/staff"
)

// TestRenderFailureIsAnError: a page whose template fails while it is
// drawn (here the manager's page given data it cannot read) answers 500
// with a sentence in the page's language, not 200 and a blank page, and
// the failure is returned for the log.
func TestRenderFailureIsAnError(t *testing.T) {
	s, err := staff.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ lang, want string }{{"vi", "Không hiển thị được trang này"}, {"en", "This page could not be drawn"}} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/manager", nil)
		err := s.Render(rec, req, http.StatusOK, "manager", staff.Page{Lang: c.lang, Data: 42})
		if err == nil || !strings.Contains(err.Error(), "manager") {
			t.Errorf("%s: Render returned %v, want the template's failure naming the page", c.lang, err)
		}
		if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s: answered %d %q, want 500 and %q", c.lang, rec.Code, rec.Body.String(), c.want)
		}
	}
}
