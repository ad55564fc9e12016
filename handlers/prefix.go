package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"golang.org/x/net/html"
)

// AUTH_PREFIX: orgpick's pages on the app's own origin under a path (e.g. /_orgpick), so a
// gateway in front of both sees the session cookie on every request to the app.
//
// The handlers, templates and assets are written for the root ("/orgs", "/assets/…"), and other
// work keeps adding templates: rather than threading the prefix through every link, this one
// middleware strips it from incoming paths and applies it to everything the app emits: redirects
// (Location, HX-Location, HX-Redirect, HX-Push-Url, HX-Replace-Url) and the root-relative URLs
// in HTML attributes (href, src, action, formaction, hx-get/post/put/patch/delete, hx-push-url,
// hx-replace-url). It runs only with a prefix set. Absolute URLs (a return_to, Stytch's OAuth
// start, magic links, which already carry BASE_URL + AUTH_PREFIX) are left alone.
//
// The session cookie keeps Path=/ on purpose: the gateway asks /auth/verify with the browser's
// cookies for the app's pages, which lie outside the prefix.

// urlAttrs are the HTML attributes holding a URL the browser (or htmx) requests.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true,
	"hx-get": true, "hx-post": true, "hx-put": true, "hx-patch": true, "hx-delete": true,
	"hx-push-url": true, "hx-replace-url": true,
}

// prefixed serves app under prefix and everything else with outside (the reverse proxy, or 404).
func prefixed(prefix string, app, outside http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, prefix)
		switch {
		case !ok || (rest != "" && rest[0] != '/'):
			outside.ServeHTTP(w, r)
			return
		case rest == "":
			http.Redirect(w, r, prefix+"/", http.StatusMovedPermanently)
			return
		}
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		r2.URL = &u
		r2.URL.Path = rest
		if r.URL.RawPath != "" {
			r2.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, prefix)
		}
		pw := &prefixWriter{ResponseWriter: w, prefix: prefix}
		app.ServeHTTP(pw, r2)
		pw.finish()
	})
}

// prefixWriter applies the prefix to what the app writes (see above). HTML bodies are held
// until the handler returns (templ buffers whole pages anyway) and rewritten at once.
type prefixWriter struct {
	http.ResponseWriter
	prefix string
	status int
	buf    *bytes.Buffer // non-nil: an HTML body being held
	wrote  bool
}

func (w *prefixWriter) WriteHeader(status int) {
	if w.wrote {
		return
	}
	if status < 200 { // informational (103 Early Hints): the real answer follows
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.wrote = true
	h := w.Header()
	for _, k := range []string{"Location", "HX-Redirect", "HX-Push-Url", "HX-Replace-Url"} {
		if v := h.Get(k); v != "" {
			h.Set(k, w.apply(v))
		}
	}
	if v := h.Get("HX-Location"); v != "" {
		h.Set("HX-Location", w.location(v))
	}
	if status != http.StatusNoContent && status != http.StatusNotModified && h.Get("Content-Encoding") == "" &&
		strings.HasPrefix(h.Get("Content-Type"), "text/html") { // a compressed page can't be rewritten: compress after this
		w.status, w.buf = status, &bytes.Buffer{}
		h.Del("Content-Length")
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *prefixWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", http.DetectContentType(b))
		}
		w.WriteHeader(http.StatusOK)
	}
	if w.buf != nil {
		return w.buf.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// finish writes a held HTML body, rewritten.
func (w *prefixWriter) finish() {
	if w.buf == nil {
		return
	}
	out := prefixHTML(w.buf.Bytes(), w.prefix)
	w.ResponseWriter.WriteHeader(w.status)
	w.ResponseWriter.Write(out)
}

func (w *prefixWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// apply prefixes a root-relative URL ("/orgs", not "//host" or "https://…").
func (w *prefixWriter) apply(v string) string { return withPrefix(w.prefix, v) }

func withPrefix(prefix, v string) string {
	if strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") && !strings.HasPrefix(v, `/\`) {
		return prefix + v
	}
	return v
}

// location prefixes HX-Location: a path, or JSON with a "path".
func (w *prefixWriter) location(v string) string {
	if !strings.HasPrefix(v, "{") {
		return w.apply(v)
	}
	var loc map[string]any
	if json.Unmarshal([]byte(v), &loc) != nil {
		return v
	}
	if p, ok := loc["path"].(string); ok {
		loc["path"] = w.apply(p)
	}
	b, err := json.Marshal(loc)
	if err != nil {
		return v
	}
	return string(b)
}

// prefixHTML rewrites the root-relative URLs in urlAttrs; everything else is copied byte for
// byte (a tag is re-serialized only when one of its URLs changed).
func prefixHTML(doc []byte, prefix string) []byte {
	z := html.NewTokenizer(bytes.NewReader(doc))
	var out bytes.Buffer
	out.Grow(len(doc) + 512)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out.Bytes() // io.EOF: the whole document is copied
		}
		raw := z.Raw()
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(raw)
			continue
		}
		raw = bytes.Clone(raw)
		tok := z.Token()
		changed := false
		for i, a := range tok.Attr {
			if a.Namespace == "" && urlAttrs[a.Key] {
				if v := withPrefix(prefix, a.Val); v != a.Val {
					tok.Attr[i].Val, changed = v, true
				}
			}
		}
		if changed {
			out.WriteString(tok.String())
		} else {
			out.Write(raw)
		}
	}
}

// front puts AUTH_PREFIX and the reverse proxy (UPSTREAM_URL) around the app h: outside the
// prefix the proxy serves (or 404 without one). Without a prefix, h as it is.
func (a *app) front(h http.Handler) http.Handler {
	if a.d.Prefix == "" {
		return h
	}
	outside := http.NotFoundHandler()
	if a.d.Upstream != nil {
		outside = a.gate.proxy(a.d.Upstream)
	}
	return prefixed(a.d.Prefix, h, outside)
}
