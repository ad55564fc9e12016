package handlers

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/orgpick/orgpick/internal/metrics"
	"github.com/orgpick/orgpick/stytchb2b"
)

// LastOrgs remembers which organization each email entered last (the store implements it).
type LastOrgs interface {
	LastOrg(ctx context.Context, email string) (string, error)
	SetLastOrg(ctx context.Context, email, orgID string, at time.Time) error
}

// signer finishes every sign-in the same way: the member stored under a renewed session token,
// the Stytch session it replaced revoked, the org remembered so the chooser lists it first next
// time, then the dashboard.
type signer struct {
	re       *responder
	state    sessionState
	lastOrgs LastOrgs
	revoker  SessionRevoker
	metrics  *metrics.Metrics
	now      func() time.Time
	returns  *returns // a return_to kept for this sign-in replaces the dashboard
}

func (s *signer) finish(w http.ResponseWriter, r *http.Request, m Member) {
	s.finishTo(w, r, m, "/dashboard")
}

// finishTo is signedIn leading to next instead of the dashboard (the recovery codes of a
// new authenticator app come first).
func (s *signer) finishTo(w http.ResponseWriter, r *http.Request, m Member, next string) {
	if p, ok := s.state.pending(r.Context()); ok { // a sign-in ends here (not a switch)
		s.metrics.SignInCompleted(p.Method)
	}
	replaced, err := s.state.replaceMember(r.Context(), m)
	if err != nil {
		s.re.fail(w, r, err)
		return
	}
	s.metrics.SessionCreated()
	s.retire(r.Context(), replaced)
	// Failing to remember costs only the chooser's ordering: logged, not shown.
	if err := s.lastOrgs.SetLastOrg(r.Context(), m.Email, m.Org.ID, s.now()); err != nil {
		s.re.log.Warn("remember last org failed", "org", m.Org.ID, "err", err)
	}
	s.land(w, r, next)
}

// land ends a sign-in on next, or, instead of the dashboard, on the page first asked for
// (a kept return_to, forgotten here).
func (s *signer) land(w http.ResponseWriter, r *http.Request, next string) {
	if next == "/dashboard" {
		if target, ok := s.returns.take(w, r); ok {
			leave(w, r, target)
			return
		}
	}
	redirect(w, r, next)
}

// retire revokes a Stytch session this browser no longer uses (replaced by a switch or a new
// sign-in). A failure is logged, never shown: the token is kept server-side and retried at logout.
func (s *signer) retire(ctx context.Context, token string) {
	if token == "" {
		return
	}
	if err := s.revoker.Revoke(ctx, token); err != nil {
		s.re.log.Warn("revoke replaced session failed; retried at logout", "err", err)
		s.state.addRetired(ctx, token)
	}
}

// lastFirst moves the org with this ID to the front, keeping the others in Stytch's order.
func lastFirst(orgs []stytchb2b.Org, lastID string) []stytchb2b.Org {
	i := slices.IndexFunc(orgs, func(o stytchb2b.Org) bool { return o.ID == lastID })
	if i <= 0 {
		return orgs
	}
	out := make([]stytchb2b.Org, 0, len(orgs))
	out = append(out, orgs[i])
	out = append(out, orgs[:i]...)
	return append(out, orgs[i+1:]...)
}
