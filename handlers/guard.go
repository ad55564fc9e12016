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
	// RecheckSession asks Stytch (never the local check): the member's roles as they are now,
	// and whether they grant need (ErrForbidden if not).
	RecheckSession(ctx context.Context, sessionToken, orgID string, need *stytchb2b.Permission) (stytchb2b.Session, error)
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

// can lets through to h only members whose roles grant p in their organization, as Stytch
// says on this very request (sessions/authenticate with an authorization check, not the JWT,
// which may be minutes old): a demoted admin loses these routes at once, and custom roles that
// grant p work. Others get 403 and a clear message.
func (g *guard) can(p stytchb2b.Permission, h memberHandler) http.HandlerFunc {
	return g.signedIn(func(w http.ResponseWriter, r *http.Request, m Member) {
		s, err := g.stytch.RecheckSession(r.Context(), m.Token, m.Org.ID, &p)
		switch {
		case errors.Is(err, stytchb2b.ErrForbidden):
			// The refusal page and the next ones stop offering what was just refused.
			r = withMember(r, g.refreshRoles(r.Context(), m))
			g.re.fail(w, r, fmt.Errorf("member %s, %s %s: %w", m.MemberID, p.Resource, p.Action, err))
			return
		case err != nil:
			g.re.fail(w, r, err)
			return
		case s.MemberID != m.MemberID || s.Org.ID != m.Org.ID:
			g.re.ended(w, r, errors.New("session token names another member or organization"))
			return
		}
		m = memberFrom(s, m.Email, m.Others)
		g.state.putMember(r.Context(), m) // the fresh JWT and roles serve the next page views
		h(w, withMember(r, m), m)
	})
}

// refreshRoles stores and returns the member with their current roles (and a fresh JWT) after
// Stytch refused an action; a failure leaves and returns the cached ones, which the JWT's next
// refresh replaces.
func (g *guard) refreshRoles(ctx context.Context, m Member) Member {
	s, err := g.stytch.RecheckSession(ctx, m.Token, m.Org.ID, nil)
	if err != nil || s.MemberID != m.MemberID || s.Org.ID != m.Org.ID {
		return m
	}
	m = memberFrom(s, m.Email, m.Others)
	g.state.putMember(ctx, m)
	return m
}

// member returns the signed-in member, or answers the request itself and returns false.
func (g *guard) member(w http.ResponseWriter, r *http.Request) (Member, bool) {
	m, err := g.current(r.Context(), true)
	switch {
	case errors.Is(err, errSignedOut):
		redirect(w, r, "/")
	case err != nil:
		g.re.fail(w, r, err) // an ended session signs out; Stytch unreachable is retryable
	default:
		return m, true
	}
	return Member{}, false
}

// errSignedOut: this browser's session holds no member.
var errSignedOut = errors.New("not signed in")

// current returns the session's member, checked: errSignedOut when there is none, an error
// wrapping stytchb2b.ErrSessionEnded when the session is over (past its expiry, revoked at
// Stytch, or naming someone else). Inside the JWT's life it costs no Stytch call and writes
// nothing; after that it asks Stytch once and stores the new JWT (and, with listOrgs, the
// organizations to switch to: a page shows them, a gateway check needn't).
func (g *guard) current(ctx context.Context, listOrgs bool) (Member, error) {
	m, ok := g.state.member(ctx)
	if !ok {
		return Member{}, errSignedOut
	}
	if !m.ExpiresAt.IsZero() && !g.now().Before(m.ExpiresAt) {
		return Member{}, fmt.Errorf("session past its expiry: %w", stytchb2b.ErrSessionEnded)
	}
	s, refreshed, err := g.stytch.AuthenticateSession(ctx, m.JWT)
	switch {
	case err != nil:
		return Member{}, err
	case s.MemberID != m.MemberID || s.Org.ID != m.Org.ID:
		return Member{}, fmt.Errorf("session JWT names another member or organization: %w", stytchb2b.ErrSessionEnded)
	case refreshed:
		others := m.Others
		if listOrgs {
			var err error
			if others, err = g.stytch.ListOrgs(ctx, m.Token); err != nil {
				g.re.log.Warn("list organizations failed", "org", m.Org.ID, "err", err)
				others = m.Others
			}
		}
		if s.Token == "" {
			s.Token = m.Token
		}
		m = memberFrom(s, m.Email, others)
		g.state.putMember(ctx, m)
	}
	return m, nil
}
