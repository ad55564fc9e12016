package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/a-h/templ"

	"github.com/orgpick/orgpick/views"
)

// guard decides whether a request comes from a signed-in member. Inside the session JWT's life
// it costs no Stytch call; after that it asks Stytch once, refreshes the cached dashboard
// details and stores the new JWT. A revoked or expired Stytch session signs the person out.
type guard struct {
	re     *responder
	state  sessionState
	stytch Stytch
	now    func() time.Time
}

// member returns the signed-in member, or answers the request itself and returns false.
func (g *guard) member(w http.ResponseWriter, r *http.Request) (Member, bool) {
	ctx := r.Context()
	m, ok := g.state.member(ctx)
	if !ok {
		redirect(w, r, "/")
		return Member{}, false
	}
	if !m.ExpiresAt.IsZero() && !g.now().Before(m.ExpiresAt) {
		g.ended(w, r, ErrSessionEnded)
		return Member{}, false
	}
	s, refreshed, err := g.stytch.AuthenticateSession(ctx, m.JWT)
	switch {
	case errors.Is(err, ErrSessionEnded):
		g.ended(w, r, err)
		return Member{}, false
	case err != nil:
		g.re.fail(w, r, err) // e.g. Stytch unreachable: retryable, the session is kept
		return Member{}, false
	case s.MemberID != m.MemberID || s.Org.ID != m.Org.ID:
		g.ended(w, r, errors.New("session JWT names another member or organization"))
		return Member{}, false
	case refreshed:
		others, err := g.stytch.ListOrgs(ctx, m.Token)
		if err != nil {
			g.re.log.Warn("list organizations failed", "org", m.Org.ID, "err", err)
			others = m.Others
		}
		if s.Token == "" {
			s.Token = m.Token
		}
		m = memberFrom(s, m.Email, others)
		g.state.putMember(ctx, m)
	}
	return m, true
}

// ended signs the person out locally (Stytch already forgot the session) and says why.
func (g *guard) ended(w http.ResponseWriter, r *http.Request, why error) {
	g.re.log.Info("session ended", "path", r.URL.Path, "err", why)
	if err := g.state.sm.Destroy(r.Context()); err != nil {
		g.re.fail(w, r, err)
		return
	}
	redirect(w, r, "/?notice=session-ended")
}

// Dashboard serves the signed-in home and logout.
type Dashboard struct {
	re     *responder
	state  sessionState
	stytch Stytch
	guard  *guard
}

// DashboardPage handles GET /dashboard.
func (h *Dashboard) DashboardPage(w http.ResponseWriter, r *http.Request) {
	m, ok := h.guard.member(w, r)
	if !ok {
		return
	}
	d := views.DashboardData{Email: m.Email, OrgName: m.Org.Name, OrgLogo: m.Org.LogoURL, OrgSlug: m.Org.Slug, Role: "Member", ExpiresAt: m.ExpiresAt}
	if m.IsAdmin() {
		d.Role = "Admin"
	}
	for _, o := range m.Others {
		d.Others = append(d.Others, choice(o))
	}
	h.re.render(w, r, http.StatusOK, m.Org.Name, func(l views.LayoutData) templ.Component { return views.DashboardPage(l, d) }, views.DashboardFragment(d))
}

// LogoutSubmit handles POST /logout: revoke the Stytch session, destroy the local one.
func (h *Dashboard) LogoutSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if m, ok := h.state.member(ctx); ok {
		if err := h.stytch.Revoke(ctx, m.Token); err != nil {
			// The browser is signed out regardless; Stytch ends the session at its expiry.
			h.re.log.Error("revoke session failed", "org", m.Org.ID, "err", err)
		}
	}
	if err := h.state.sm.Destroy(ctx); err != nil {
		h.re.fail(w, r, err)
		return
	}
	redirect(w, r, "/?notice=signed-out")
}
