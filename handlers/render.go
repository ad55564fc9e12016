package handlers

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/a-h/templ"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// responder owns how every response is written: full page or htmx fragment, redirects, invalid
// forms and errors.
type responder struct {
	log                  *slog.Logger
	state                sessionState // a session Stytch has ended is destroyed here too; flash.go keeps confirmations in it
	css, js, appJS, icon string       // content-hashed asset URLs for the layout
	members              memberHTML   // the signed-in header and other member parts, by member
	assets               assetsHTML   // the layout's asset links, the same on every page
}

// isFragment: htmx wants only the swapped region (not boost, not a history restore).
func isFragment(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Boosted") != "true" &&
		r.Header.Get("HX-History-Restore-Request") != "true"
}

// render writes frag inside the layout as a full page or, for htmx, alone (with the page
// title, which htmx applies, and the signed-in header out of band, so it follows a switch or a
// logout). Both paths render the same markup for the region.
func (re *responder) render(w http.ResponseWriter, r *http.Request, status int, title string, frag templ.Component) {
	if h := w.Header(); h["Vary"] == nil {
		h["Vary"] = varyHXRequest
	} else {
		h.Add("Vary", "HX-Request")
	}
	page := !isFragment(r)
	header := re.memberPart(r.Context(), partHeader) // member_html.go
	if !page {
		header = re.memberPart(r.Context(), partHeaderOOB)
	}
	c := frag
	switch {
	case page:
		c = views.Page(views.LayoutData{Title: title, Assets: re.layoutAssets(), Header: header}, frag)
	case title != "":
		c = templ.Join(views.Title(title), frag, header)
	default:
		c = templ.Join(frag, header)
	}
	// What templ.Handler does (render into a pooled buffer: never half a page), without
	// building a handler and its options per response.
	buf := templ.GetBuffer()
	defer templ.ReleaseBuffer(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		re.log.Error("render failed", "method", r.Method, "path", r.URL.Path, "err", err)
		http.Error(w, "Something went wrong. Please try again.", http.StatusInternalServerError)
		return
	}
	w.Header()["Content-Type"] = htmlType
	if status != 0 {
		w.WriteHeader(status)
	}
	_, _ = w.Write(buf.Bytes()) // nothing to do about a client gone away
}

// Header values every page carries, shared (http.Header.Set would allocate each per
// response; nothing edits a value in place).
var (
	htmlType      = []string{"text/html; charset=utf-8"}
	varyHXRequest = []string{"HX-Request"}
)

// invalid answers a form that can't be accepted as sent, with 422 on both paths: htmx gets the
// form alone (it swaps it in place); a plain POST gets the whole page again, which page renders
// (with the status it is given).
func (re *responder) invalid(w http.ResponseWriter, r *http.Request, form templ.Component, page func(status int)) {
	re.refuse(w, r, http.StatusUnprocessableEntity, form, page)
}

// refuse is invalid with another status (429: sent too soon, with the cooldown in the form).
func (re *responder) refuse(w http.ResponseWriter, r *http.Request, status int, form templ.Component, page func(status int)) {
	if isFragment(r) {
		re.render(w, r, status, "", form)
		return
	}
	page(status)
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

// fail is the one place an error becomes a response: it logs once and renders the failure, as
// a page or, for htmx, as a message retargeted into #flash. A session that Stytch says has
// ended signs the person out here, whatever request found it out.
func (re *responder) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, stytchb2b.ErrSessionEnded) {
		re.ended(w, r, err)
		return
	}
	f := describe(err)
	level := slog.LevelWarn
	if f.status >= 500 {
		level = slog.LevelError
	}
	re.log.Log(r.Context(), level, "request failed", "method", r.Method, "path", r.URL.Path, "status", f.status, "err", err)
	var wait WaitError
	if errors.As(err, &wait) {
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(wait.Wait)))
	}
	if isFragment(r) {
		w.Header().Set("HX-Retarget", "#flash")
		w.Header().Set("HX-Reswap", "innerHTML")
		w.Header().Set("HX-Reselect", "#error-message") // the requester may have hx-select'ed something else
		re.render(w, r, f.status, "", views.ErrorFragment(f.msg))
		return
	}
	re.render(w, r, f.status, f.title, views.ErrorSection(f.title, f.msg, f.next, f.nextLabel))
}

// retarget makes an htmx response replace #main instead of the requesting element: for a form
// whose answer is a different page region (a cooldown after "Create another organization").
func retarget(w http.ResponseWriter, r *http.Request) {
	if isFragment(r) {
		w.Header().Set("HX-Retarget", "#main")
		w.Header().Set("HX-Reswap", "innerHTML")
	}
}

// ended signs the person out locally (Stytch already forgot the session) and says why.
func (re *responder) ended(w http.ResponseWriter, r *http.Request, why error) {
	re.log.Info("session ended", "path", r.URL.Path, "err", why)
	if err := re.state.sm.Destroy(r.Context()); err != nil {
		re.fail(w, r, err)
		return
	}
	redirect(w, r, "/?notice="+noticeSessionEnded)
}
