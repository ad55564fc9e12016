package handlers

import (
	"context"
	"net/http"

	"github.com/orgpick/orgpick/views"
)

// keyFlash holds a confirmation for the next page (what just happened, naming who or what):
// the page it was meant for shows it once.
const keyFlash = "flash"

// flash is a confirmation waiting for the page whose ?notice= is For ("" = none: the dashboard).
type flash struct {
	For  string       `json:"for"`
	Note views.Notice `json:"note"`
}

// confirm keeps a confirmation for the next page (after a redirect). The session keeps it, so
// no personal detail (an invitee's address, an org name) travels in the URL.
func (re *responder) confirm(ctx context.Context, forNotice, text string) {
	re.state.put(ctx, keyFlash, flash{For: forNotice, Note: views.Notice{Kind: "info", Text: text}})
}

// notice is the message a page shows: the confirmation kept for it, else the fixed text its
// ?notice= names (the same words without the names: a reload, a bookmark), else none.
func (re *responder) notice(r *http.Request) views.Notice {
	q := ""
	if r.URL.RawQuery != "" { // most views have no query: skip parsing one
		q = r.URL.Query().Get("notice")
	}
	var f flash
	if re.state.get(r.Context(), keyFlash, &f) {
		re.state.sm.Remove(r.Context(), keyFlash)
		if f.For == q {
			return f.Note
		}
	}
	return notices[q]
}
