package emulator

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

const (
	loginLinkLifetime  = 60 * time.Minute
	inviteLinkLifetime = 7 * 24 * time.Hour
)

// newMagicToken returns URL-safe base64 of 32 random bytes, with padding (44 characters).
func newMagicToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.URLEncoding.EncodeToString(b[:])
}

// normalizeEmail validates a bare address (no display name) and lower-cases it.
func normalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", errInvalidEmail
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", errInvalidEmail
	}
	return strings.ToLower(s), nil
}

// DefaultRedirectURL is the default discovery, login, signup and invite redirect URL of the
// emulated project when Config.AllowedRedirectURLs is empty (Stytch's own Test default).
const DefaultRedirectURL = "http://localhost:3000/authenticate"

// checkRedirect returns the redirect URL to use: raw if allowed, or the project's default
// (the first configured URL, else DefaultRedirectURL) when raw is empty.
func (e *Emulator) checkRedirect(raw string, notAllowed *apiError) (string, error) {
	allowed := e.cfg.AllowedRedirectURLs
	if raw == "" {
		if len(allowed) == 0 {
			return DefaultRedirectURL, nil
		}
		return allowed[0], nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", notAllowed
	}
	if len(allowed) == 0 {
		switch strings.ToLower(u.Hostname()) {
		case "localhost", "127.0.0.1", "::1":
			return raw, nil
		}
		return "", notAllowed
	}
	for _, a := range allowed {
		au, err := url.Parse(a)
		if err == nil && strings.EqualFold(au.Scheme, u.Scheme) && strings.EqualFold(au.Host, u.Host) &&
			strings.TrimSuffix(au.Path, "/") == strings.TrimSuffix(u.Path, "/") {
			return raw, nil
		}
	}
	return "", notAllowed
}

// linkWithToken appends stytch_token_type and token to redirect, keeping its other parameters.
func linkWithToken(redirect, tokenType, tok string) string {
	u, err := url.Parse(redirect)
	if err != nil {
		return redirect
	}
	q := u.Query()
	q.Set("stytch_token_type", tokenType)
	q.Set("token", tok)
	u.RawQuery = q.Encode()
	return u.String()
}

// rateLimiter is a token bucket per email address.
type rateLimiter struct {
	disabled bool
	burst    float64
	every    time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newRateLimiter(burst int, every time.Duration, disabled bool) *rateLimiter {
	if burst <= 0 {
		burst = 5
	}
	if every <= 0 {
		every = time.Second
	}
	return &rateLimiter{disabled: disabled, burst: float64(burst), every: every, buckets: map[string]*bucket{}}
}

func (l *rateLimiter) allow(key string, now time.Time) bool {
	if l.disabled {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+float64(elapsed)/float64(l.every))
	}
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// POST /v1/b2b/magic_links/email/login_or_signup
func (e *Emulator) loginOrSignup(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		OrganizationID    string `json:"organization_id"`
		EmailAddress      string `json:"email_address"`
		LoginRedirectURL  string `json:"login_redirect_url"`
		SignupRedirectURL string `json:"signup_redirect_url"`
		LoginExpiration   int    `json:"login_expiration_minutes"`
		SignupExpiration  int    `json:"signup_expiration_minutes"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	email, err := normalizeEmail(req.EmailAddress)
	if err != nil {
		return nil, err
	}
	o, err := getOrg(ctx, tx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	now := e.now()
	m, created, err := orgSignInMember(ctx, tx, o, email, now)
	if err != nil {
		return nil, err
	}
	kind, raw, subject, mins := "signup", req.SignupRedirectURL, "Finish signing up to "+o.OrganizationName, req.SignupExpiration
	if m.Status == "active" {
		kind, raw, subject, mins = "login", req.LoginRedirectURL, "Your login link for "+o.OrganizationName, req.LoginExpiration
	}
	lifetime, err := linkLifetime(mins, loginLinkLifetime)
	if err != nil {
		return nil, err
	}
	redirect, err := e.checkRedirect(raw,
		newAPIError(400, "no_match_for_provided_magic_link_url", "The "+kind+"_redirect_url is not one of the allowed redirect URLs for this project."))
	if err != nil {
		return nil, err
	}
	if !e.limiter.allow(email, now) {
		return nil, errRateLimited
	}
	if created {
		if err := saveMember(ctx, tx, m, now); err != nil {
			return nil, err
		}
	}
	if err := e.sendOrgLink(ctx, tx, m, o, kind, subject, redirect, now.Add(lifetime), now); err != nil {
		return nil, err
	}
	return map[string]any{"member_id": m.MemberID, "member_created": created, "member": m.member, "organization": o}, nil
}

// orgSignInMember is the member an organization's own sign-in (link or code) is for: the
// email's member, or a new pending one when the organization lets the email's domain join
// (created true: saved by the caller once the send is allowed); else errNotEligible.
func orgSignInMember(ctx context.Context, tx *sql.Tx, o *organization, email string, now time.Time) (*storedMember, bool, error) {
	m, err := memberByEmail(ctx, tx, o.OrganizationID, email)
	if err != nil || m != nil {
		return m, false, err
	}
	if o.EmailJITProvisioning != "RESTRICTED" || !slices.Contains(o.EmailAllowedDomains, domainOf(email)) {
		return nil, false, errNotEligible
	}
	return newMember(o.OrganizationID, email, "pending", false, nil, now), true, nil
}

func (e *Emulator) sendOrgLink(ctx context.Context, tx *sql.Tx, m *storedMember, o *organization, kind, subject, redirect string, expires, now time.Time) error {
	tok := newMagicToken()
	ml := magicLink{Kind: kind, Email: m.EmailAddress, OrgID: o.OrganizationID, MemberID: m.MemberID}
	if err := insertMagicLink(ctx, tx, tok, ml, expires); err != nil {
		return err
	}
	return e.recordMail(ctx, tx, Message{To: m.EmailAddress, Subject: subject, Kind: kind,
		Link: linkWithToken(redirect, "multi_tenant_magic_links", tok), OrganizationID: o.OrganizationID, SentAt: now})
}

// POST /v1/b2b/magic_links/email/invite
func (e *Emulator) invite(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		OrganizationID    string         `json:"organization_id"`
		EmailAddress      string         `json:"email_address"`
		InviteRedirectURL string         `json:"invite_redirect_url"`
		Name              string         `json:"name"`
		TrustedMetadata   map[string]any `json:"trusted_metadata"`
		UntrustedMetadata map[string]any `json:"untrusted_metadata"`
		Roles             []string       `json:"roles"`
		ExpirationMinutes int            `json:"invite_expiration_minutes"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	lifetime, err := linkLifetime(req.ExpirationMinutes, inviteLinkLifetime)
	if err != nil {
		return nil, err
	}
	email, err := normalizeEmail(req.EmailAddress)
	if err != nil {
		return nil, err
	}
	o, err := getOrg(ctx, tx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	caller, err := e.caller(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	if err := e.authorize(caller, o, resMember, "create"); err != nil {
		return nil, err
	}
	if err := invitesAllowed(o, email); err != nil {
		return nil, err
	}
	if err := e.checkRoles(o, req.Roles); err != nil {
		return nil, err
	}
	redirect, err := e.checkRedirect(req.InviteRedirectURL,
		newAPIError(400, "no_match_for_provided_magic_link_url", "The invite_redirect_url is not one of the allowed redirect URLs for this project."))
	if err != nil {
		return nil, err
	}
	now := e.now()
	m, err := memberByEmail(ctx, tx, o.OrganizationID, email)
	if err != nil {
		return nil, err
	}
	if m != nil && m.Status == "active" {
		return nil, newAPIError(400, "member_already_active", "The member is already active in this organization; there is nothing to invite.")
	}
	if !e.limiter.allow(email, now) {
		return nil, errRateLimited
	}
	if m == nil {
		m = newMember(o.OrganizationID, email, "invited", false, req.Roles, now)
	} else {
		m.Status = "invited"
		m.UpdatedAt = ts(now)
		if req.Roles != nil {
			m.setRoles(req.Roles)
		}
	}
	m.setProfile(req.Name, req.TrustedMetadata, req.UntrustedMetadata)
	if err := saveMember(ctx, tx, m, now); err != nil {
		return nil, err
	}
	subject := "You've been invited to join " + o.OrganizationName
	if err := e.sendOrgLink(ctx, tx, m, o, "invite", subject, redirect, now.Add(lifetime), now); err != nil {
		return nil, err
	}
	return map[string]any{"member_id": m.MemberID, "member": m.member, "organization": o}, nil
}

// invitesAllowed applies the organization's email_invites setting to an invitee's address.
func invitesAllowed(o *organization, email string) error {
	switch o.EmailInvites {
	case "NOT_ALLOWED":
		return newAPIError(403, "email_invites_not_allowed", "This organization does not allow email invites.")
	case "RESTRICTED":
		if !slices.Contains(o.EmailAllowedDomains, domainOf(email)) {
			return newAPIError(403, "invalid_email_for_invites", "The email address's domain is not in the organization's email_allowed_domains.")
		}
	}
	return nil
}

// POST /v1/b2b/magic_links/authenticate (stytch_token_type=multi_tenant_magic_links)
func (e *Emulator) magicLinkAuthenticate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		Token                  string         `json:"magic_links_token"`
		SessionDurationMinutes int            `json:"session_duration_minutes"`
		SessionCustomClaims    map[string]any `json:"session_custom_claims"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	d, err := sessionDuration(req.SessionDurationMinutes, defaultSessionMins)
	if err != nil {
		return nil, err
	}
	now := e.now()
	ml, err := consumeMagicLink(ctx, tx, req.Token, now, "login", "signup", "invite")
	if err != nil {
		return nil, err
	}
	m, err := getMember(ctx, tx, ml.MemberID)
	if err != nil {
		return nil, err
	}
	if m.Status == "deleted" {
		return nil, errMagicLinkUsed // e.g. a revoked invite
	}
	o, err := getOrg(ctx, tx, m.OrganizationID)
	if err != nil {
		return nil, err
	}
	if err := e.activate(ctx, tx, m, now); err != nil {
		return nil, err
	}
	resp, err := e.finishPrimary(ctx, tx, primaryAuth{Member: m, Org: o, Duration: d, Claims: req.SessionCustomClaims,
		Factors: []authFactor{magicLinkFactor(m.EmailID, m.EmailAddress, now)}})
	if err != nil {
		return nil, err
	}
	resp["method_id"] = m.EmailID
	resp["reset_sessions"] = false
	resp["organization_id"] = o.OrganizationID
	return resp, nil
}
