package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/orgpick/orgpick/stytchb2b"
)

// SessionChecker is what the guard needs of the Stytch adapter.
type SessionChecker interface {
	// AuthenticateSession verifies the JWT (locally while fresh); refreshed says Stytch was asked.
	AuthenticateSession(ctx context.Context, jwt string) (s stytchb2b.Session, refreshed bool, err error)
	ListOrgs(ctx context.Context, sessionToken string) ([]stytchb2b.Org, error)
	// RecheckSession asks Stytch (never the local check): the member's roles as they are now.
	RecheckSession(ctx context.Context, sessionToken string) (stytchb2b.Session, error)
}

// guard decides whether a request comes from a signed-in member. Inside the session JWT's life
// it costs no Stytch call; after that it asks Stytch once, refreshes the cached dashboard
// details and stores the new JWT. A revoked or expired Stytch session signs the person out.
type guard struct {
	re     *responder
	state  sessionState
	stytch SessionChecker
	now    func() time.Time
}

// memberHandler serves a route that needs a signed-in member.
type memberHandler func(w http.ResponseWriter, r *http.Request, m Member)

// signedIn lets only signed-in members through to h; others go to the email form.
func (g *guard) signedIn(h memberHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if m, ok := g.member(w, r); ok {
			h(w, withMember(r, m), m)
		}
	}
}

// adminOnly lets only admins of their organization through to h; other members get 403 and a
// clear message. The role is asked of Stytch on every admin request (not taken from the JWT,
// which may be minutes old), so a demoted admin loses these pages at once.
func (g *guard) adminOnly(h memberHandler) http.HandlerFunc {
	return g.signedIn(func(w http.ResponseWriter, r *http.Request, m Member) {
		s, err := g.stytch.RecheckSession(r.Context(), m.Token)
		switch {
		case err != nil:
			g.re.fail(w, r, err)
			return
		case s.MemberID != m.MemberID || s.Org.ID != m.Org.ID:
			g.re.ended(w, r, errors.New("session token names another member or organization"))
			return
		}
		m = memberFrom(s, m.Email, m.Others)
		g.state.putMember(r.Context(), m) // the fresh JWT and roles serve the next page views
		if !m.IsAdmin() {
			g.re.fail(w, r, fmt.Errorf("member %s: %w", m.MemberID, ErrNotAdmin))
			return
		}
		h(w, withMember(r, m), m)
	})
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
		g.re.ended(w, r, errors.New("session past its expiry"))
		return Member{}, false
	}
	s, refreshed, err := g.stytch.AuthenticateSession(ctx, m.JWT)
	switch {
	case err != nil:
		g.re.fail(w, r, err) // an ended session signs out; Stytch unreachable is retryable
		return Member{}, false
	case s.MemberID != m.MemberID || s.Org.ID != m.Org.ID:
		g.re.ended(w, r, errors.New("session JWT names another member or organization"))
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
