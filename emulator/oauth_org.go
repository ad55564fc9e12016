package emulator

import (
	"context"
	"database/sql"
	"net/http"
	"slices"
	"time"
)

// Organization-scoped OAuth: the start URL names the organization, the provider page sends the
// browser back with stytch_token_type=oauth, and oauth/authenticate signs the member in to
// that organization (through finishPrimary, so primary_required and MFA apply).

var (
	errOAuthOrgMissing = newAPIError(400, "organization_id_or_slug_required",
		"Provide organization_id or slug: the organization to sign in to.")
	errISTEmailMismatch = newAPIError(400, "intermediate_session_token_mismatch",
		"The intermediate_session_token belongs to another email address than the one the OAuth provider vouched for.")
	errISTOrgMismatch = newAPIError(400, "invalid_intermediate_session_token_for_organization",
		"The intermediate_session_token is bound to another organization or member.")
	errOAuthSessionArgs = newAPIError(400, "unsupported_session_arguments",
		"The emulator does not accept session_token or session_jwt on oauth/authenticate; pass intermediate_session_token or nothing.")
)

// oauthScopes are the scopes the emulated provider reports as granted (its defaults).
var oauthScopes = []string{"openid", "email", "profile"}

// GET /v1/b2b/public/oauth/{provider}/start?public_token=…&organization_id=…|slug=…
// [&login_redirect_url=…][&signup_redirect_url=…][&pkce_code_challenge=…][&provider_login_hint=…]:
// 307 to the emulated provider page. Errors are Stytch's JSON error bodies.
func (e *Emulator) oauthOrgStart(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	provider, err := e.checkStart(r)
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	ref := q.Get("organization_id")
	if ref == "" {
		ref = q.Get("slug")
	}
	if ref == "" {
		e.writeError(w, r, errOAuthOrgMissing)
		return
	}
	var o *organization
	err = e.tx(r.Context(), func(tx *sql.Tx) error {
		var err error
		o, err = getOrg(r.Context(), tx, ref)
		return err
	})
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	login, err := e.checkRedirect(q.Get("login_redirect_url"), errOAuthURL("login"))
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	signup, err := e.checkRedirect(q.Get("signup_redirect_url"), errOAuthURL("signup"))
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	e.startOAuth(w, r, oauthState{Provider: provider, Redirect: login, SignupRedirect: signup, OrgID: o.OrganizationID,
		PKCE: q.Get("pkce_code_challenge"), LoginHint: q.Get("provider_login_hint")})
}

// errOAuthURL is the error for a login or signup redirect URL that is not allowed.
func errOAuthURL(kind string) *apiError {
	return newAPIError(400, "no_match_for_provided_oauth_url",
		"The "+kind+"_redirect_url is not one of the allowed redirect URLs for this project.")
}

// returnURL is where the provider page sends the browser back with tok: a discovery state to
// its redirect with stytch_token_type=discovery_oauth; an org-scoped state to its login URL
// when email is already a (non-deleted) member of the organization, else to its signup URL,
// with stytch_token_type=oauth.
func returnURL(ctx context.Context, q querier, s *oauthState, email, tok string) (string, error) {
	if s.OrgID == "" {
		return linkWithToken(s.Redirect, "discovery_oauth", tok), nil
	}
	m, err := memberByEmail(ctx, q, s.OrgID, email)
	if err != nil {
		return "", err
	}
	if m == nil {
		return linkWithToken(s.SignupRedirect, "oauth", tok), nil
	}
	return linkWithToken(s.Redirect, "oauth", tok), nil
}

// oauthAuthRequest is the body of oauth/authenticate.
type oauthAuthRequest struct {
	Token                  string         `json:"oauth_token"`
	Verifier               string         `json:"pkce_code_verifier"`
	IST                    string         `json:"intermediate_session_token"`
	SessionToken           string         `json:"session_token"`
	SessionJWT             string         `json:"session_jwt"`
	SessionDurationMinutes int            `json:"session_duration_minutes"`
	SessionCustomClaims    map[string]any `json:"session_custom_claims"`
	Locale                 string         `json:"locale"`
}

// POST /v1/b2b/oauth/authenticate
func (e *Emulator) oauthAuthenticate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req oauthAuthRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if req.SessionToken != "" || req.SessionJWT != "" {
		return nil, errOAuthSessionArgs
	}
	d, err := sessionDuration(req.SessionDurationMinutes, defaultSessionMins)
	if err != nil {
		return nil, err
	}
	now := e.now()
	id, err := spendOAuthToken(ctx, tx, req.Token, req.Verifier, true, now)
	if err != nil {
		return nil, err
	}
	o, err := getOrg(ctx, tx, id.OrgID)
	if err != nil {
		return nil, err
	}
	m, err := e.oauthMember(ctx, tx, o, id.Email, now)
	if err != nil {
		return nil, err
	}
	factors, source, err := carriedFactors(ctx, tx, req.IST, o, m, now)
	if err != nil {
		return nil, err
	}
	factors = addFactor(factors, oauthFactorFor(id, m.EmailID, now))
	resp, err := e.finishPrimary(ctx, tx, primaryAuth{Member: m, Org: o, Factors: factors, Duration: d,
		Claims: req.SessionCustomClaims, Source: source})
	if err != nil {
		return nil, err
	}
	resp["provider_subject"], resp["provider_type"] = id.Subject, oauthProviders[id.Provider].Type
	resp["organization_id"], resp["reset_sessions"] = o.OrganizationID, false
	resp["provider_values"] = map[string]any{
		"access_token": "emulated-access-token-" + newSessionToken(), "refresh_token": "", "id_token": "",
		"expires_at": ts(now.Add(time.Hour)), "scopes": slices.Clone(oauthScopes),
	}
	return resp, nil
}

// oauthMember is the member email signs in as: an existing (active, invited or pending) one,
// activated, or a new active member when the organization JIT-provisions the email's domain
// (email_jit_provisioning RESTRICTED and the domain in email_allowed_domains).
func (e *Emulator) oauthMember(ctx context.Context, tx *sql.Tx, o *organization, email string, now time.Time) (*storedMember, error) {
	m, err := memberByEmail(ctx, tx, o.OrganizationID, email)
	if err != nil {
		return nil, err
	}
	if m != nil {
		return m, e.activate(ctx, tx, m, now)
	}
	if o.EmailJITProvisioning != "RESTRICTED" || !slices.Contains(o.EmailAllowedDomains, domainOf(email)) {
		return nil, errNotEligible
	}
	m = newMember(o.OrganizationID, email, "active", true, nil, now)
	return m, saveMember(ctx, tx, m, now)
}

// carriedFactors are the factors an org-scoped primary authenticate starts from: none without
// an IST; else the live IST's factors (it must be of m's email and, when bound, bound to m of
// o), and the IST becomes finishPrimary's Source.
func carriedFactors(ctx context.Context, tx *sql.Tx, tok string, o *organization, m *storedMember, now time.Time) ([]authFactor, *intermediateSession, error) {
	if tok == "" {
		return nil, nil, nil
	}
	ist, err := getIST(ctx, tx, tok, now)
	if err != nil {
		return nil, nil, err
	}
	if ist.Email != m.EmailAddress {
		return nil, nil, errISTEmailMismatch
	}
	scope, err := getISTScope(ctx, tx, ist.Hash)
	if err != nil {
		return nil, nil, err
	}
	if scope != nil && (scope.OrgID != o.OrganizationID || scope.MemberID != m.MemberID) {
		return nil, nil, errISTOrgMismatch
	}
	factors, err := istFactors(ctx, tx, ist, m, now)
	return factors, ist, err
}
