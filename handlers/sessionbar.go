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

// memberBar is the signed-in header's content for member m (header_cache.go renders it).
func memberBar(m Member) *views.SessionBar {
	b := &views.SessionBar{Email: m.Email, OrgID: m.Org.ID, OrgName: m.Org.Name, OrgLogo: m.Org.LogoURL, Role: roleName(m.IsAdmin()), Admin: m.IsAdmin()}
	for i, o := range m.Others {
		if i == headerSwitchable {
			b.More = len(m.Others) - i
			break
		}
		b.Others = append(b.Others, switchChoice(o))
	}
	return b
}

// switchChoice is how an organization appears in a switcher (header and dashboard): Switch
// for a membership, the chooser's verb for an invitation.
func switchChoice(o stytchb2b.Org) views.OrgChoice {
	c := choice(o)
	if c.Group == "member" {
		c.Verb = verbSwitch
	}
	return c
}
