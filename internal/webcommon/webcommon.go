// Package webcommon holds the files every hallq web page shares: the
// favicon (a page without one makes the browser ask for /favicon.ico and
// log a 404) and hallfmt.js, which writes times and dates in the hall's
// time zone and Vietnamese format, never the browser's. Each site serves
// them among its own static files (webasset.Assets.Add).
package webcommon

import (
	"embed"
	"net/http"
)

// Files is the folder "files" of shared static files.
//
//go:embed files
var Files embed.FS

// Dir is the folder within Files.
const Dir = "files"

// Favicon is the hallq icon, SVG.
func Favicon() []byte {
	b, _ := Files.ReadFile(Dir + "/favicon.svg")
	return b
}

// FaviconHandler serves the icon: at /favicon.ico, where browsers look
// for it on a page that names none (a JSON error, a CSV download).
func FaviconHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Write(Favicon())
	})
}
