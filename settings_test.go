package hallq

import "testing"

// TestBaseURL: no base URL by default (status URLs follow the address the
// kiosk used); one that is set must be an absolute http(s) URL a phone can
// open, and a bad one is refused with the reason base_url.
func TestBaseURL(t *testing.T) {
	if s := DefaultSettings(); s.BaseURL != "" {
		t.Errorf("the default base_url is %q, want none", s.BaseURL)
	}
	for _, ok := range []string{"", "http://10.20.0.2:8080", "https://hall.example.vn", "http://hallq.local:8080/", "https://city.example.vn/loc-tho"} {
		if err := CheckBaseURL(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"10.20.0.2:8080", "hall.local", "ftp://hall.local", "http://", "/t/", "http://user:pw@hall.local",
		"http://hall.local/?x=1", "http://hall.local/#top", "javascript:alert(1)", "http:hall.local"} {
		err := CheckBaseURL(bad)
		if err == nil || ErrorCode(err) != EINVALID || ErrorReason(err) != "base_url" {
			t.Errorf("%q: got %v, want invalid with reason base_url", bad, err)
		}
		s := DefaultSettings()
		s.BaseURL = bad
		if s.Validate() == nil {
			t.Errorf("settings with base_url %q pass", bad)
		}
	}
}
