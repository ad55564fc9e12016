package handlers

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/orgpick/orgpick/stytchb2b"
)

// The scs session (in the app's database; the browser holds only its random cookie) carries:
const (
	keyEmail    = "email"     // the address last typed, kept so nobody retypes it
	keyPending  = "pending"   // a discovery in progress: the IST and the orgs it offers
	keyMember   = "member"    // the signed-in Stytch session and what the dashboard shows
	keyJWT      = "jwt"       // the member's session JWT, apart: a page view needn't scan it as JSON
	keyRetired  = "retired"   // Stytch sessions this browser replaced whose revocation failed: retried at logout
	keySentCode = "sent_code" // the last email sent was a one-time code (the check-email page asks for it)
	keyOAuth    = "oauth"     // a started OAuth sign-in: provider and PKCE verifier
	keyMFA      = "mfa"       // a second sign-in step in progress: the org-bound IST and the member's options (mfa.go)
	keyCodes    = "codes"     // recovery codes to show once, until the member says they are saved (mfa_verify.go)
	keyAccount  = "account"   // a factor being added on the account page: an app's setup, a number to confirm (account.go)
	keyNewOrg   = "new_org"   // the link was asked for to create another organization: the chooser opens its form
)

// istLifetime is how long Stytch keeps an intermediate session token.
const istLifetime = 10 * time.Minute

// Pending is a discovery in progress, held server-side until the person picks or creates an org.
type Pending struct {
	stytchb2b.Discovery
	Method    string    `json:"method,omitempty"`  // how the email was proven: link, code, google, microsoft
	LastID    string    `json:"last_id,omitempty"` // the org this email entered last, listed first
	ExpiresAt time.Time `json:"expires_at"`
}

// Member is a signed-in person: their Stytch session plus the orgs they can switch to, so a
// page view inside the JWT's life needs no call to Stytch.
type Member struct {
	stytchb2b.Session
	Others []stytchb2b.Org `json:"others"`
}

// Switchable returns the org with this ID if the member may switch to it.
func (m Member) Switchable(orgID string) (stytchb2b.Org, bool) {
	return stytchb2b.Find(m.Others, orgID)
}

// memberFrom builds the signed-in state from a fresh Stytch session; others are the orgs the
// same email can enter (only memberships: joining by domain needs a discovery IST).
func memberFrom(s stytchb2b.Session, email string, others []stytchb2b.Org) Member {
	if s.Email == "" {
		s.Email = email
	}
	m := Member{Session: s}
	for _, o := range others {
		if o.ID != s.Org.ID && o.Membership != stytchb2b.EligibleByDomain && !slices.ContainsFunc(m.Others, func(x stytchb2b.Org) bool { return x.ID == o.ID }) {
			m.Others = append(m.Others, o)
		}
	}
	return m
}

// sessionState reads and writes the typed values above.
type sessionState struct {
	sm  *scs.SessionManager
	log *slog.Logger
}

// get decodes the value under key into v and reports whether there was one. A value that no
// longer decodes (a field renamed between releases) reads as absent, and is logged: silently
// it would sign everyone out.
func (s sessionState) get(ctx context.Context, key string, v any) bool {
	b := s.sm.GetBytes(ctx, key)
	if len(b) == 0 {
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		s.log.Warn("session value does not decode; read as absent", "key", key, "err", err)
		return false
	}
	return true
}

func (s sessionState) put(ctx context.Context, key string, v any) {
	b, _ := json.Marshal(v) // plain structs of strings and times: cannot fail
	s.sm.Put(ctx, key, b)
}

func (s sessionState) pending(ctx context.Context) (Pending, bool) {
	var p Pending
	return p, s.get(ctx, keyPending, &p) && p.IST != ""
}

func (s sessionState) forgetPending(ctx context.Context) { s.sm.Remove(ctx, keyPending) }

func (s sessionState) member(ctx context.Context) (Member, bool) {
	b := s.sm.GetBytes(ctx, keyMember)
	if len(b) == 0 {
		return Member{}, false
	}
	m, err := decodeMember(b) // member_codec.go: read on every page view
	if err != nil {
		s.log.Warn("session value does not decode; read as absent", "key", keyMember, "err", err)
		return Member{}, false
	}
	m.JWT = s.sm.GetString(ctx, keyJWT)
	return m, m.JWT != ""
}

// putMember stores the signed-in member: the JWT (about a kilobyte) under keyJWT, the rest in
// the compact form of member_codec.go.
func (s sessionState) putMember(ctx context.Context, m Member) {
	s.sm.Put(ctx, keyJWT, m.JWT)
	s.sm.Put(ctx, keyMember, encodeMember(m))
}

// startDiscovery keeps a fresh discovery server-side. A new sign-in replaces any earlier one,
// under a new session token. It returns the Stytch session token of the member it signed out
// ("" if none), for the caller to revoke.
func (s sessionState) startDiscovery(ctx context.Context, p Pending) (replaced string, err error) {
	if err := s.sm.RenewToken(ctx); err != nil {
		return "", err
	}
	replaced = s.signOutLocally(ctx)
	s.sm.Remove(ctx, keyMFA)
	s.sm.Put(ctx, keyEmail, p.Email)
	s.put(ctx, keyPending, p)
	return replaced, nil
}

// signOutLocally forgets the signed-in member and what was shown or started for them (recovery
// codes waiting to be saved, a factor being added) and returns their Stytch session token (""
// if none), for the caller to revoke.
func (s sessionState) signOutLocally(ctx context.Context) (replaced string) {
	if m, ok := s.member(ctx); ok {
		replaced = m.Token
	}
	s.sm.Remove(ctx, keyMember)
	s.sm.Remove(ctx, keyJWT)
	s.sm.Remove(ctx, keyCodes)
	s.sm.Remove(ctx, keyAccount)
	return replaced
}

// startStep enters a second sign-in step under a new session token. For a new sign-in (not a
// switch) the member signed in before is signed out at once; their Stytch session token is
// returned ("" if none) for the caller to revoke.
func (s sessionState) startStep(ctx context.Context, newSignIn bool) (replaced string, err error) {
	if err := s.sm.RenewToken(ctx); err != nil {
		return "", err
	}
	if newSignIn {
		replaced = s.signOutLocally(ctx)
		s.sm.Remove(ctx, keyPending)
	}
	return replaced, nil
}

// signIn stores a signed-in member under a new session token, forgets the IST, and ends the
// local session no later than the Stytch session. It returns the Stytch session token it
// replaced ("" if none or the same), for the caller to revoke.
func (s sessionState) replaceMember(ctx context.Context, m Member) (replaced string, err error) {
	if err := s.sm.RenewToken(ctx); err != nil {
		return "", err
	}
	if prev, ok := s.member(ctx); ok && prev.Token != m.Token {
		replaced = prev.Token
	}
	s.sm.Remove(ctx, keyPending)
	s.sm.Remove(ctx, keyMFA)
	s.sm.Remove(ctx, keyAccount)
	s.sm.Remove(ctx, keyNewOrg)
	s.sm.Put(ctx, keyEmail, m.Email)
	s.putMember(ctx, m)
	if !m.ExpiresAt.IsZero() && m.ExpiresAt.Before(s.sm.Deadline(ctx)) {
		s.sm.SetDeadline(ctx, m.ExpiresAt)
	}
	return replaced, nil
}

// retired lists the replaced Stytch sessions whose revocation failed.
func (s sessionState) retired(ctx context.Context) []string {
	var tokens []string
	s.get(ctx, keyRetired, &tokens)
	return tokens
}

func (s sessionState) addRetired(ctx context.Context, token string) {
	s.put(ctx, keyRetired, append(s.retired(ctx), token))
}

// nothingPending answers a step's page (the chooser, the MFA step) reached with no step in
// progress: the dashboard for the signed-in, else the email form.
func (s sessionState) nothingPending(w http.ResponseWriter, r *http.Request) {
	if _, signedIn := s.member(r.Context()); signedIn {
		redirect(w, r, "/dashboard")
	} else {
		redirect(w, r, "/")
	}
}

func (s sessionState) email(ctx context.Context) string { return s.sm.GetString(ctx, keyEmail) }

func (s sessionState) setEmail(ctx context.Context, email string) { s.sm.Put(ctx, keyEmail, email) }

// setSent remembers what was just emailed, and to whom.
func (s sessionState) setSent(ctx context.Context, email string, code bool) {
	s.sm.Put(ctx, keyEmail, email)
	if code {
		s.sm.Put(ctx, keySentCode, true)
	} else {
		s.sm.Remove(ctx, keySentCode)
	}
}

func (s sessionState) sentCode(ctx context.Context) bool { return s.sm.GetBool(ctx, keySentCode) }

func (s sessionState) newOrg(ctx context.Context) bool { return s.sm.GetBool(ctx, keyNewOrg) }

func (s sessionState) setNewOrg(ctx context.Context, on bool) {
	if on {
		s.sm.Put(ctx, keyNewOrg, true)
	} else if s.sm.Exists(ctx, keyNewOrg) {
		s.sm.Remove(ctx, keyNewOrg)
	}
}
