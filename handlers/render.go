package handlers

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/a-h/templ"

	"github.com/orgpick/orgpick/views"
)

// responder owns how every response is written: full page or htmx fragment, redirects, errors.
type responder struct {
	log           *slog.Logger
	css, js, icon string // content-hashed asset URLs for the layout
}

func (re *responder) layout(title string) views.LayoutData {
	return views.LayoutData{Title: title, CSS: re.css, JS: re.js, Icon: re.icon}
}

// isFragment: htmx wants only the swapped region (not boost, not a history restore).
func isFragment(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Boosted") != "true" &&
		r.Header.Get("HX-History-Restore-Request") != "true"
}

// render writes the full page, or for htmx the fragment (with the page title, which htmx applies).
func (re *responder) render(w http.ResponseWriter, r *http.Request, status int, title string, page func(views.LayoutData) templ.Component, frag templ.Component) {
	w.Header().Add("Vary", "HX-Request")
	c := frag
	if !isFragment(r) {
		c = page(re.layout(title))
	} else if title != "" {
		c = templ.Join(views.Title(title), frag)
	}
	templ.Handler(c, templ.WithStatus(status), templ.WithErrorHandler(func(r *http.Request, err error) http.Handler {
		re.log.Error("render failed", "method", r.Method, "path", r.URL.Path, "err", err)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Something went wrong. Please try again.", http.StatusInternalServerError)
		})
	})).ServeHTTP(w, r) // buffered: never half a page
}

// redirect ends a successful POST (Post/Redirect/Get). htmx cannot read headers on a 3xx, so it
// gets HX-Location, which loads the page's fragment into #main and pushes the URL.
func redirect(w http.ResponseWriter, r *http.Request, url string) {
	if isFragment(r) {
		loc, _ := json.Marshal(map[string]string{"path": url, "target": "#main"})
		w.Header().Set("HX-Location", string(loc))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, url, http.StatusSeeOther) // plain form: the browser GETs the page
}
