package webasset

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestServeAtChecksummedURL(t *testing.T) {
	fsys := fstest.MapFS{"static/app.js": {Data: []byte("alert(1)")}, "static/app.css": {Data: []byte("b{}")}}
	a, err := Load(fsys, "static", "/x/static/")
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.URL("app.js")
	if err != nil || !strings.HasPrefix(u, "/x/static/") || !strings.HasSuffix(u, "/app.js") {
		t.Fatalf("URL: %q, %v", u, err)
	}
	if _, err := a.URL("missing.js"); err == nil {
		t.Error("no error for a missing file")
	}
	mux := http.NewServeMux()
	mux.Handle(a.Pattern(), a)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", u, nil))
	if rec.Code != 200 || rec.Body.String() != "alert(1)" || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") ||
		!strings.Contains(rec.Header().Get("Content-Type"), "javascript") {
		t.Errorf("GET %s: %d %q %v", u, rec.Code, rec.Body, rec.Header())
	}
	// The same name under an old checksum is gone, not served stale.
	old := "/x/static/000000000000/app.js"
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", old, nil))
	if rec.Code != 404 {
		t.Errorf("GET %s: %d, want 404", old, rec.Code)
	}
}

func TestAddSharedFolder(t *testing.T) {
	fsys := fstest.MapFS{"static/app.js": {Data: []byte("a")}, "common/icon.svg": {Data: []byte("<svg/>")}, "dup/app.js": {Data: []byte("b")}}
	a, err := Load(fsys, "static", "/x/static/")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Add(fsys, "common"); err != nil {
		t.Fatal(err)
	}
	u, err := a.URL("icon.svg")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(a.Pattern(), a)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", u, nil))
	if rec.Code != 200 || rec.Body.String() != "<svg/>" || rec.Header().Get("Content-Type") != "image/svg+xml" {
		t.Errorf("GET %s: %d %q %q", u, rec.Code, rec.Body, rec.Header().Get("Content-Type"))
	}
	if err := a.Add(fsys, "dup"); err == nil {
		t.Error("a name in two folders was accepted")
	}
}
