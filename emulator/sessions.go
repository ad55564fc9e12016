package emulator

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"net/http"
	"time"
)

const (
	jwtLifetime        = 5 * time.Minute
	defaultSessionMins = 60
	minSessionMins     = 5
	maxSessionMins     = 527040
)

// memberSession is the MemberSession wire object.
type memberSession struct {
	MemberSessionID       string         `json:"member_session_id"`
	MemberID              string         `json:"member_id"`
	StartedAt             string         `json:"started_at"`
	LastAccessedAt        string         `json:"last_accessed_at"`
	ExpiresAt             string         `json:"expires_at"`
	AuthenticationFactors []authFactor   `json:"authentication_factors"`
	OrganizationID        string         `json:"organization_id"`
	Roles                 []string       `json:"roles"`
	CustomClaims          map[string]any `json:"custom_claims"`
	OrganizationSlug      string         `json:"organization_slug"`
}

func (s *sessionRow) wire(m *storedMember, o *organization) memberSession {
	factors := s.Factors
	if factors == nil {
		factors = []authFactor{}
	}
	return memberSession{
		MemberSessionID: s.ID, MemberID: s.MemberID,
		StartedAt: ts(s.StartedAt), LastAccessedAt: ts(s.LastAccessedAt), ExpiresAt: ts(s.ExpiresAt),
		AuthenticationFactors: factors, OrganizationID: s.OrgID, Roles: m.roleIDs(), CustomClaims: s.CustomClaims,
		OrganizationSlug: o.OrganizationSlug,
	}
}

// lookupSession finds the live session for exactly one of token and jwt.
func (e *Emulator) lookupSession(ctx context.Context, q querier, token, jwtStr string) (*sessionRow, error) {
	switch {
	case token != "" && jwtStr != "":
		return nil, newAPIError(400, "too_many_session_arguments", "Provide only one of session_token or session_jwt.")
	case token != "":
		return getSession(ctx, q, "token", token, e.now())
	case jwtStr != "":
		id, err := e.sessionIDFromJWT(jwtStr)
		if err != nil {
			return nil, err
		}
		return getSession(ctx, q, "id", id, e.now())
	default:
		return nil, newAPIError(400, "no_session_arguments", "Provide one of session_token or session_jwt.")
	}
}

// sessionDuration validates session_duration_minutes (0 = absent ⇒ def).
func sessionDuration(mins, def int) (time.Duration, error) {
	if mins == 0 {
		mins = def
	}
	if mins < minSessionMins || mins > maxSessionMins {
		return 0, errDuration
	}
	return time.Duration(mins) * time.Minute, nil
}

type issued struct {
	session *sessionRow
	jwt     string
}

// issueSession creates a session for m in o with the given factors.
func (e *Emulator) issueSession(ctx context.Context, tx *sql.Tx, m *storedMember, o *organization, factors []authFactor, d time.Duration, claims map[string]any) (*issued, error) {
	now := e.now()
	if claims == nil {
		claims = map[string]any{}
	}
	s := &sessionRow{
		ID: "session-test-" + newUUID(), Token: newSessionToken(), MemberID: m.MemberID, OrgID: o.OrganizationID,
		StartedAt: now, LastAccessedAt: now, ExpiresAt: now.Add(d), Factors: factors, CustomClaims: claims,
	}
	if err := insertSession(ctx, tx, s); err != nil {
		return nil, err
	}
	j, err := e.signJWT(s, m, o)
	if err != nil {
		return nil, err
	}
	return &issued{session: s, jwt: j}, nil
}

// sessionResponse is the shape shared by IST exchange, discovery create, sessions exchange and
// magic-link authenticate.
func sessionResponse(is *issued, m *storedMember, o *organization) map[string]any {
	ms := is.session.wire(m, o)
	return map[string]any{
		"member_id":                  m.MemberID,
		"session_token":              is.session.Token,
		"session_jwt":                is.jwt,
		"member":                     m.member,
		"organization":               o,
		"member_authenticated":       true,
		"intermediate_session_token": "",
		"member_session":             ms,
		"mfa_required":               nil,
		"primary_required":           nil,
	}
}

func newSessionToken() string {
	var b [33]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:]) // 44 characters
}

// POST /v1/b2b/sessions/authenticate
func (e *Emulator) sessionsAuthenticate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		SessionToken           string         `json:"session_token"`
		SessionJWT             string         `json:"session_jwt"`
		SessionDurationMinutes int            `json:"session_duration_minutes"`
		SessionCustomClaims    map[string]any `json:"session_custom_claims"`
		AuthorizationCheck     *struct {
			OrganizationID string `json:"organization_id"`
			ResourceID     string `json:"resource_id"`
			Action         string `json:"action"`
		} `json:"authorization_check"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	s, err := e.lookupSession(ctx, tx, req.SessionToken, req.SessionJWT)
	if err != nil {
		return nil, err
	}
	now := e.now()
	if req.SessionDurationMinutes != 0 {
		d, err := sessionDuration(req.SessionDurationMinutes, 0)
		if err != nil {
			return nil, err
		}
		s.ExpiresAt = now.Add(d)
	}
	for k, v := range req.SessionCustomClaims {
		if v == nil {
			delete(s.CustomClaims, k)
		} else {
			s.CustomClaims[k] = v
		}
	}
	m, err := getMember(ctx, tx, s.MemberID)
	if err != nil {
		return nil, err
	}
	o, err := getOrg(ctx, tx, s.OrgID)
	if err != nil {
		return nil, err
	}
	var verdict any
	if ac := req.AuthorizationCheck; ac != nil {
		roles, err := e.authorizationCheck(ctx, tx, m, o, ac.OrganizationID, ac.ResourceID, ac.Action)
		if err != nil {
			return nil, err
		}
		verdict = map[string]any{"authorized": true, "granting_roles": roles}
	}
	s.LastAccessedAt = now
	if err := updateSession(ctx, tx, s); err != nil {
		return nil, err
	}
	j, err := e.signJWT(s, m, o)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"member_session": s.wire(m, o),
		"session_token":  s.Token,
		"session_jwt":    j,
		"member":         m.member,
		"organization":   o,
		"verdict":        verdict,
	}, nil
}

// POST /v1/b2b/sessions/exchange
func (e *Emulator) sessionsExchange(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		OrganizationID         string         `json:"organization_id"`
		SessionToken           string         `json:"session_token"`
		SessionJWT             string         `json:"session_jwt"`
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
	src, err := e.lookupSession(ctx, tx, req.SessionToken, req.SessionJWT)
	if err != nil {
		return nil, err
	}
	srcMember, err := getMember(ctx, tx, src.MemberID)
	if err != nil {
		return nil, err
	}
	o, err := getOrg(ctx, tx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	m, err := memberByEmail(ctx, tx, o.OrganizationID, srcMember.EmailAddress)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errMemberNotFound
	}
	now := e.now()
	if err := e.activate(ctx, tx, m, now); err != nil {
		return nil, err
	}
	return e.finishPrimary(ctx, tx, primaryAuth{Member: m, Org: o, Duration: d, Claims: req.SessionCustomClaims,
		Factors: transferableFactors(src.Factors, m)})
}

// activate turns an invited or pending member into an active, verified one.
func (e *Emulator) activate(ctx context.Context, tx *sql.Tx, m *storedMember, now time.Time) error {
	if m.Status == "active" && m.EmailAddressVerified {
		return nil
	}
	m.Status = "active"
	m.EmailAddressVerified = true
	m.UpdatedAt = ts(now)
	return saveMember(ctx, tx, m, now)
}

// POST /v1/b2b/sessions/revoke
func (e *Emulator) sessionsRevoke(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		MemberSessionID string `json:"member_session_id"`
		SessionToken    string `json:"session_token"`
		SessionJWT      string `json:"session_jwt"`
		MemberID        string `json:"member_id"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	n := 0
	for _, v := range []string{req.MemberSessionID, req.SessionToken, req.SessionJWT, req.MemberID} {
		if v != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return nil, newAPIError(400, "no_session_revoke_arguments", "Provide one of member_session_id, session_token, session_jwt or member_id.")
	case n > 1:
		return nil, newAPIError(400, "too_many_session_revoke_arguments", "Provide only one of member_session_id, session_token, session_jwt or member_id.")
	}
	caller, err := e.caller(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	now := e.now()
	if req.MemberID != "" {
		m, err := getMember(ctx, tx, req.MemberID)
		if err != nil {
			return nil, err
		}
		if err := e.authorizeRevoke(ctx, tx, caller, m.OrganizationID, m.MemberID); err != nil {
			return nil, err
		}
		if err := revokeMemberSessions(ctx, tx, m.MemberID, now); err != nil {
			return nil, err
		}
		return map[string]any{}, nil
	}
	var s *sessionRow
	if req.MemberSessionID != "" {
		s, err = getSession(ctx, tx, "id", req.MemberSessionID, now)
	} else {
		s, err = e.lookupSession(ctx, tx, req.SessionToken, req.SessionJWT)
	}
	if err != nil {
		return nil, err
	}
	if err := e.authorizeRevoke(ctx, tx, caller, s.OrgID, s.MemberID); err != nil {
		return nil, err
	}
	if err := revokeSession(ctx, tx, s.ID, now); err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

// callerSession is the member behind X-Stytch-Member-Session / X-Stytch-Member-SessionJWT.
// A nil *callerSession (no headers) is allowed everything, like a plain API-key call.
type callerSession struct {
	member *storedMember
}

// caller authenticates the optional member-session headers.
func (e *Emulator) caller(ctx context.Context, q querier, r *http.Request) (*callerSession, error) {
	tok := r.Header.Get("X-Stytch-Member-Session")
	j := r.Header.Get("X-Stytch-Member-SessionJWT")
	if tok == "" && j == "" {
		return nil, nil
	}
	if tok != "" {
		j = "" // the token wins when both are sent
	}
	s, err := e.lookupSession(ctx, q, tok, j)
	if err != nil {
		return nil, err
	}
	m, err := getMember(ctx, q, s.MemberID)
	if err != nil {
		return nil, err
	}
	if m.Status == "deleted" {
		return nil, errSessionNotFound
	}
	return &callerSession{member: m}, nil
}
