// Package webasset serves a web page's static files (scripts, styles,
// images) from an embedded folder at URLs that carry a checksum of their
// content, so that browsers may cache them for good: a change of content is
// a change of URL.
package webasset

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
)

// Assets are the files of one folder, by name.
type Assets struct {
	prefix string
	files  map[string]file
}

type file struct {
	hash  string
	body  []byte
	ctype string
}

// Load reads every file of dir in fsys; they will be served under prefix
// (such as "/staff/static/") as prefix + HASH + "/" + name.
func Load(fsys fs.FS, dir, prefix string) (*Assets, error) {
	a := &Assets{prefix: prefix, files: map[string]file{}}
	if err := a.Add(fsys, dir); err != nil {
		return nil, err
	}
	return a, nil
}

// Add serves the files of another folder too (files every site shares);
// a name already served is an error.
func (a *Assets) Add(fsys fs.FS, dir string) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return fmt.Errorf("webasset: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if _, dup := a.files[e.Name()]; dup {
			return fmt.Errorf("webasset: %s is in two folders", e.Name())
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("webasset: %w", err)
		}
		sum := sha256.Sum256(body)
		a.files[e.Name()] = file{hash: hex.EncodeToString(sum[:6]), body: body, ctype: mime.TypeByExtension(path.Ext(e.Name()))}
	}
	return nil
}

// URL is the checksummed URL of the file name; an error for an unknown
// name, so that a template naming a missing file fails when it is parsed
// at start-up.
func (a *Assets) URL(name string) (string, error) {
	f, ok := a.files[name]
	if !ok {
		return "", fmt.Errorf("webasset: no static file %q", name)
	}
	return a.prefix + f.hash + "/" + name, nil
}

// Pattern is the ServeMux pattern the files are served at.
func (a *Assets) Pattern() string { return "GET " + a.prefix + "{hash}/{name}" }

// ServeHTTP serves a file registered at Pattern, cached for a year.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.files[r.PathValue("name")]
	if !ok || f.hash != r.PathValue("hash") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(f.body)
}
