// Package assets serves the vendored htmx and the stylesheet: embedded, named by content hash,
// cached forever (immutable) and gzip-compressed ahead of time.
package assets

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed *.js *.css *.svg
var files embed.FS

type asset struct {
	body, gz    []byte
	contentType string
	etag        string
}

// Assets maps each file to its hashed URL and serves it.
type Assets struct {
	urls   map[string]string // "app.css" -> "/assets/app.1a2b3c4d5e6f.css"
	byPath map[string]asset  // "/assets/app.1a2b3c4d5e6f.css" -> asset
}

// New reads and compresses the embedded files.
func New() (*Assets, error) {
	a := &Assets{urls: map[string]string{}, byPath: map[string]asset{}}
	names, err := fs.Glob(files, "*.*")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if strings.HasSuffix(name, ".go") {
			continue
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("assets: read %s: %w", name, err)
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:6])
		ext := path.Ext(name)
		url := "/assets/" + strings.TrimSuffix(name, ext) + "." + hash + ext
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		a.urls[name] = url
		a.byPath[url] = asset{body: body, gz: gz.Bytes(), contentType: mime.TypeByExtension(ext), etag: `"` + hash + `"`}
	}
	return a, nil
}

// URL returns the hashed URL of a file (e.g. "app.css"), or "" if there is none.
func (a *Assets) URL(name string) string { return a.urls[name] }

// ServeHTTP serves GET /assets/{file}.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.byPath[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", f.etag)
	h.Add("Vary", "Accept-Encoding")
	if r.Header.Get("If-None-Match") == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
