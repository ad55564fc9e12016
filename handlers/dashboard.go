package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// SessionRevoker is what Dashboard needs of the Stytch adapter.
type SessionRevoker interface {
	Revoke(ctx context.Context, sessionToken string) error
}

// PermissionChecker says what a member's roles allow under Stytch's RBAC policy: pages offer
// only what the member may do (Stytch checks the action itself again).
type PermissionChecker interface {
	Can(ctx context.Context, roles []string, orgID string, p stytchb2b.Permission) bool
}

// DashboardStytch is what Dashboard needs of the Stytch adapter.
type DashboardStytch interface {
	SessionRevoker
	PermissionChecker
}

// Dashboard serves the signed-in home and logout.
type Dashboard struct {
	re     *responder
	state  sessionState
	stytch DashboardStytch
	now    func() time.Time
}

// NewDashboard returns the dashboard handlers.
func NewDashboard(re *responder, state sessionState, st DashboardStytch, now func() time.Time) *Dashboard {
	return &Dashboard{re: re, state: state, stytch: st, now: now}
}

// DashboardPage handles GET /dashboard (signed in), with the confirmation of what just
// happened (a join, a switch, a new organization), if anything did.
func (h *Dashboard) DashboardPage(w http.ResponseWriter, r *http.Request, m Member) {
	ctx := r.Context()
	d := views.DashboardData{
		Email: m.Email, OrgID: m.Org.ID, OrgName: m.Org.Name, OrgLogo: m.Org.LogoURL, Slug: m.Org.Slug,
		Role: roleName(m.IsAdmin()), ExpiresAt: m.ExpiresAt, Now: h.now(), Notice: h.re.notice(r),
		CanMembers:  h.stytch.Can(ctx, m.Roles, m.Org.ID, stytchb2b.ListMembers),
		CanSettings: h.stytch.Can(ctx, m.Roles, m.Org.ID, stytchb2b.EditJoinRules),
		Orgs:        h.re.memberPart(ctx, partDashboardOrgs), // the switcher: rendered once per member
	}
	h.re.render(w, r, http.StatusOK, m.Org.Name, views.DashboardFragment(d))
}

// LogoutSubmit handles POST /logout: revoke every Stytch session this browser's sign-ins
// created (the current one and any replaced one whose revocation failed before), then destroy
// the local session. Revocation failures are logged, not shown: the person is signed out here
// regardless, and Stytch ends the session at its expiry.
func (h *Dashboard) LogoutSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tokens := h.state.retired(ctx)
	if m, ok := h.state.member(ctx); ok {
		tokens = append(tokens, m.Token)
	}
	for _, tok := range tokens {
		h.revoke(ctx, tok)
	}
	if err := h.state.sm.Destroy(ctx); err != nil {
		h.re.fail(w, r, err)
		return
	}
	redirect(w, r, "/?notice="+noticeSignedOut)
}

// revoke ends one Stytch session, trying twice.
func (h *Dashboard) revoke(ctx context.Context, token string) {
	err := h.stytch.Revoke(ctx, token)
	if err != nil {
		err = h.stytch.Revoke(ctx, token)
	}
	if err != nil {
		h.re.log.Error("revoke session failed", "err", err)
	}
}
