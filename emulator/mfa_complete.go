package emulator

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

const (
	maxCodeFailures = 5               // consecutive wrong TOTP / recovery codes before a lock
	codeLockout     = 5 * time.Minute // how long that lock lasts
)

var (
	sixDigitsRe = regexp.MustCompile(`^[0-9]{6}$`)

	errInvalidCode = newAPIError(400, "invalid_code", "Code format is invalid: it must be 6 digits.")
	errISTForOrg   = newAPIError(400, "invalid_intermediate_session_token_for_organization",
		"The intermediate session token does not belong to this member of this organization.")
	errPrimaryFirst = newAPIError(400, "primary_authentication_required",
		"The organization requires one of its allowed primary authentication methods before MFA.")
	errSessionForMember = newAPIError(403, "session_authorization_error",
		"The session belongs to another member.")
	errFactorSessionRequired = newAPIError(403, "session_enforced_factor_matching_session_required",
		"The member already has an active MFA factor: pass an intermediate session or session that holds an MFA factor to enroll another.")
	errTooManyAttempts = newAPIError(429, "too_many_requests",
		"Too many wrong codes. Wait a few minutes before trying again.")
)

// mfaTokens are the optional session arguments of the MFA endpoints.
type mfaTokens struct {
	IST          string `json:"intermediate_session_token"`
	SessionToken string `json:"session_token"`
	SessionJWT   string `json:"session_jwt"`
}

// mfaAuth is the caller of an MFA endpoint: at most one of ist / session is set.
type mfaAuth struct {
	org     *organization
	member  *storedMember
	ist     *intermediateSession
	factors []authFactor // what ist or session already proves
	session *sessionRow
}

// hasMFAFactor: the presented IST or session already holds an MFA factor.
func (a *mfaAuth) hasMFAFactor() bool {
	for _, f := range a.factors {
		if factorMethod(f) != "" {
			return true
		}
	}
	return false
}

// loadOrgMember returns the organization and its non-deleted member.
func loadOrgMember(ctx context.Context, q querier, orgID, memberID string) (*organization, *storedMember, error) {
	o, err := getOrg(ctx, q, orgID)
	if err != nil {
		return nil, nil, err
	}
	m, err := getMember(ctx, q, memberID)
	if err != nil {
		return nil, nil, err
	}
	if m.OrganizationID != o.OrganizationID || m.Status == "deleted" {
		return nil, nil, errMemberNotFound
	}
	return o, m, nil
}

// resolveMFA loads the organization and member and checks the session arguments: none (unless
// required) or exactly one, belonging to that member.
func (e *Emulator) resolveMFA(ctx context.Context, q querier, orgID, memberID string, t mfaTokens, required bool) (*mfaAuth, error) {
	o, m, err := loadOrgMember(ctx, q, orgID, memberID)
	if err != nil {
		return nil, err
	}
	a := &mfaAuth{org: o, member: m}
	n := 0
	for _, v := range []string{t.IST, t.SessionToken, t.SessionJWT} {
		if v != "" {
			n++
		}
	}
	switch {
	case n > 1:
		return nil, newAPIError(400, "too_many_session_arguments", "Provide only one of intermediate_session_token, session_token or session_jwt.")
	case n == 0 && required:
		return nil, newAPIError(400, "no_session_arguments", "Provide one of intermediate_session_token, session_token or session_jwt.")
	case t.IST != "":
		return a, e.resolveIST(ctx, q, a, t.IST)
	case n == 1:
		s, err := e.lookupSession(ctx, q, t.SessionToken, t.SessionJWT)
		if err != nil {
			return nil, err
		}
		if s.MemberID != m.MemberID {
			return nil, errSessionForMember
		}
		a.session, a.factors = s, s.Factors
	}
	return a, nil
}

// resolveIST checks that a live IST belongs to a.member: a scoped IST must be bound to that
// member, a discovery IST must carry the member's email.
func (e *Emulator) resolveIST(ctx context.Context, q querier, a *mfaAuth, tok string) error {
	ist, err := getIST(ctx, q, tok, e.now())
	if err != nil {
		return err
	}
	scope, err := getISTScope(ctx, q, ist.Hash)
	if err != nil {
		return err
	}
	if scope != nil && (scope.OrgID != a.org.OrganizationID || scope.MemberID != a.member.MemberID) {
		return errISTForOrg
	}
	if scope == nil && ist.Email != a.member.EmailAddress {
		return errISTForOrg
	}
	a.ist = ist
	a.factors, err = istFactors(ctx, q, ist, a.member, e.now())
	return err
}

// sessionArgs are the session fields of the MFA authenticate endpoints.
type sessionArgs struct {
	SessionDurationMinutes int            `json:"session_duration_minutes"`
	SessionCustomClaims    map[string]any `json:"session_custom_claims"`
}

// check validates session_duration_minutes before any code is spent.
func (s sessionArgs) check() error {
	if s.SessionDurationMinutes == 0 {
		return nil
	}
	_, err := sessionDuration(s.SessionDurationMinutes, 0)
	return err
}

// completeMFA ends a successful MFA check. With an IST it activates an invited or pending
// member (the IST proved the email, as an exchange would), creates a session holding the IST's
// factors plus f and consumes the IST; with a session it adds f to that session (extending it
// when session_duration_minutes is given). a.member must already be saved.
func (e *Emulator) completeMFA(ctx context.Context, tx *sql.Tx, a *mfaAuth, f authFactor, s sessionArgs) (map[string]any, error) {
	m, o := a.member, a.org
	if a.ist != nil && !primarySatisfied(o, m, a.factors) {
		return nil, errPrimaryFirst // primary_required comes first: MFA cannot stand in for it
	}
	if a.ist != nil {
		d, err := sessionDuration(s.SessionDurationMinutes, defaultSessionMins)
		if err != nil {
			return nil, err
		}
		if err := e.activate(ctx, tx, m, e.now()); err != nil {
			return nil, err
		}
		is, err := e.issueSession(ctx, tx, m, o, addFactor(a.factors, f), d, s.SessionCustomClaims)
		if err != nil {
			return nil, err
		}
		if err := consumeISTChain(ctx, tx, a.ist, e.now()); err != nil {
			return nil, err
		}
		return mfaResponse(m, o, is.session, is.jwt), nil
	}
	now := e.now()
	sess := a.session
	sess.Factors = addFactor(sess.Factors, f)
	sess.LastAccessedAt = now
	if s.SessionDurationMinutes != 0 {
		d, err := sessionDuration(s.SessionDurationMinutes, 0)
		if err != nil {
			return nil, err
		}
		sess.ExpiresAt = now.Add(d)
	}
	for k, v := range s.SessionCustomClaims {
		if v == nil {
			delete(sess.CustomClaims, k)
		} else {
			sess.CustomClaims[k] = v
		}
	}
	if err := saveSessionFactors(ctx, tx, sess); err != nil {
		return nil, err
	}
	j, err := e.signJWT(sess, m, o)
	if err != nil {
		return nil, err
	}
	return mfaResponse(m, o, sess, j), nil
}

// mfaResponse is the body of TOTP / SMS authenticate and recovery-code recover.
func mfaResponse(m *storedMember, o *organization, s *sessionRow, jwt string) map[string]any {
	ms := s.wire(m, o)
	return map[string]any{
		"member_id":      m.MemberID,
		"member":         m.member,
		"organization":   o,
		"session_token":  s.Token,
		"session_jwt":    jwt,
		"member_session": ms,
	}
}

// checkEnrollment validates set_mfa_enrollment.
func checkEnrollment(v string) error {
	if v != "" && v != "enroll" && v != "unenroll" {
		return newAPIError(400, "invalid_argument", "set_mfa_enrollment must be enroll or unenroll.")
	}
	return nil
}

// applyEnrollment updates mfa_enrolled and default_mfa_method after a successful TOTP or SMS
// check: REQUIRED_FOR_ALL enrols (set_mfa_enrollment is ignored there), otherwise
// set_mfa_enrollment decides; the first MFA method, or set_default_mfa, becomes the default.
func applyEnrollment(o *organization, m *storedMember, method, setEnrollment string, setDefault bool, now time.Time) {
	switch {
	case o.MFAPolicy == mfaPolicyRequired:
		m.MFAEnrolled = true
	case setEnrollment == "enroll":
		m.MFAEnrolled = true
	case setEnrollment == "unenroll":
		m.MFAEnrolled = false
	}
	if m.DefaultMFAMethod == "" || setDefault {
		m.DefaultMFAMethod = method
	}
	m.UpdatedAt = ts(now)
}

// checkLock answers 429 while member is locked out of method after too many wrong codes.
func checkLock(ctx context.Context, q querier, memberID, method string, now time.Time) error {
	_, until, err := getMFAAttempts(ctx, q, memberID, method)
	if err != nil {
		return err
	}
	if now.UnixNano() < until {
		return errTooManyAttempts
	}
	return nil
}

// recordFailure counts a wrong code and returns wrong wrapped so that the count is committed.
// The maxCodeFailures-th consecutive failure locks the method for codeLockout.
func recordFailure(ctx context.Context, q querier, memberID, method string, now time.Time, wrong error) error {
	failures, until, err := getMFAAttempts(ctx, q, memberID, method)
	if err != nil {
		return err
	}
	if until != 0 && now.UnixNano() >= until { // an expired lock starts a new count
		failures, until = 0, 0
	}
	failures++
	if failures >= maxCodeFailures {
		until = now.Add(codeLockout).UnixNano()
	}
	if err := putMFAAttempts(ctx, q, memberID, method, failures, until); err != nil {
		return err
	}
	return keepTx(wrong)
}

// jsonString encodes v as a JSON string for a TEXT column.
func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}
