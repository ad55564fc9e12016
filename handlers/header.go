package handlers

import (
	"context"
	"net/http"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// headerSwitchable is how many other organizations the header's switcher lists; the dashboard
// lists them all.
const headerSwitchable = 8

type memberKey struct{}

// withMember records the signed-in member of a request (the guard does, once it has checked
// the session), so every page rendered for it gets the signed-in header.
func withMember(r *http.Request, m Member) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), memberKey{}, m))
}

// sessionBar is the signed-in header for a request the guard let through, nil otherwise.
func sessionBar(ctx context.Context) *views.SessionBar {
	m, ok := ctx.Value(memberKey{}).(Member)
	if !ok {
		return nil
	}
	b := &views.SessionBar{Email: m.Email, OrgID: m.Org.ID, OrgName: m.Org.Name, OrgLogo: m.Org.LogoURL, Role: roleName(m.IsAdmin())}
	for i, o := range m.Others {
		if i == headerSwitchable {
			b.More = len(m.Others) - i
			break
		}
		b.Others = append(b.Others, switchChoice(o))
	}
	return b
}

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
	sessionState{sm: re.sessions}.put(ctx, keyFlash, flash{For: forNotice, Note: views.Notice{Kind: "info", Text: text}})
}

// notice is the message a page shows: the confirmation kept for it, else the fixed text its
// ?notice= names (the same words without the names: a reload, a bookmark), else none.
func (re *responder) notice(r *http.Request) views.Notice {
	q := r.URL.Query().Get("notice")
	var f flash
	if (sessionState{sm: re.sessions}).get(r.Context(), keyFlash, &f) {
		re.sessions.Remove(r.Context(), keyFlash)
		if f.For == q {
			return f.Note
		}
	}
	return notices[q]
}

// switchChoice is how an organization appears in a switcher (header and dashboard): Switch
// for a membership, the chooser's verb for an invitation.
func switchChoice(o stytchb2b.Org) views.OrgChoice {
	c := choice(o)
	if c.Group == "member" {
		c.Verb = "Switch"
	}
	return c
}
