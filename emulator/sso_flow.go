package emulator

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// The SSO browser flow: GET /v1/public/sso/start → the IdP → the callback
// (/v1/b2b/sso/callback/{connection_id}: POST for SAML, GET for OIDC) → the login or signup
// redirect URL with stytch_token_type=sso&token=… → POST /v1/b2b/sso/authenticate.
// Browser-facing errors are Stytch's JSON error bodies, as the OAuth start's are.

var (
	errSSOLocatorMissing = newAPIError(400, "missing_sso_connection_locator", "Provide connection_id or organization_id.")
	errSSOLocatorMany    = newAPIError(400, "too_many_sso_connection_locators", "Provide only one of connection_id and organization_id.")
	errSSONoConnection   = newAPIError(400, "no_sso_connection_exists_for_organization",
		"The organization has no default SSO connection; start with a connection_id.")
	errSSONotActive = newAPIError(400, "requires_active_sso_connection",
		"The SSO connection is not active yet: finish its configuration first.")
	errSSOToken = newAPIError(404, "sso_token_not_found",
		"The SSO token could not be found: it is unknown, was already used or has expired.")
	errSSOJIT = newAPIError(403, "invalid_connection_for_jit_provisioning",
		"This email is not a member of the organization and the organization does not allow JIT provisioning through this connection.")
	errSSOSessionArgs = newAPIError(400, "unsupported_session_arguments",
		"The emulator does not accept session_token or session_jwt on sso/authenticate; pass intermediate_session_token or nothing.")
)

func errSSOURL(kind string) *apiError {
	return newAPIError(400, "no_match_for_provided_sso_url",
		"The "+kind+"_redirect_url is not one of the allowed redirect URLs for this project.")
}

// GET /v1/public/sso/start?public_token=…&connection_id=…|organization_id=…
// [&login_redirect_url=…][&signup_redirect_url=…][&pkce_code_challenge=…]: 302 to the IdP.
func (e *Emulator) ssoStart(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("public_token")), []byte(e.publicToken)) != 1 {
		e.writeError(w, r, errPublicToken)
		return
	}
	login, err := e.checkRedirect(q.Get("login_redirect_url"), errSSOURL("login"))
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	signup, err := e.checkRedirect(q.Get("signup_redirect_url"), errSSOURL("signup"))
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	var location string
	err = e.tx(r.Context(), func(tx *sql.Tx) error {
		c, err := startConn(r.Context(), tx, q.Get("connection_id"), q.Get("organization_id"))
		if err != nil {
			return err
		}
		state, now := newSessionToken(), e.now()
		s := ssoStart{ConnectionID: c.ID, RequestID: "id-" + strings.ReplaceAll(newUUID(), "-", ""),
			LoginRedirect: login, SignupRedirect: signup, PKCE: q.Get("pkce_code_challenge")}
		if c.OIDC != nil {
			s.Nonce = newSessionToken()
			location = oidcAuthorizeURL(c.OIDC, state, s.Nonce)
		} else {
			location, err = samlRedirectURL(c.SAML, s.RequestID, state, now)
			if err != nil {
				return err
			}
		}
		return insertSSOStart(r.Context(), tx, state, s, now.Add(ssoStartLifetime))
	})
	if err != nil {
		e.writeError(w, r, err)
		return
	}
	http.Redirect(w, r, location, http.StatusFound)
}

// startConn finds the active connection a start names: connection_id, or the default
// connection of organization_id (an ID, slug or external ID).
func startConn(ctx context.Context, q querier, connID, orgRef string) (*ssoConn, error) {
	switch {
	case connID == "" && orgRef == "":
		return nil, errSSOLocatorMissing
	case connID != "" && orgRef != "":
		return nil, errSSOLocatorMany
	case orgRef != "":
		o, err := getOrg(ctx, q, orgRef)
		if err != nil {
			return nil, err
		}
		if o.SSODefaultConnectionID == nil {
			return nil, errSSONoConnection
		}
		connID = *o.SSODefaultConnectionID
	}
	c, err := getConn(ctx, q, connID)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errSSOConnNotFound
	}
	if status, _, _ := connSummary(c); status != "active" {
		return nil, errSSONotActive
	}
	return c, nil
}

// samlRedirectURL is the HTTP-Redirect binding of an (unsigned) AuthnRequest to the IdP.
func samlRedirectURL(c *samlConnection, requestID, relayState string, now time.Time) (string, error) {
	doc := etree.NewDocument()
	ar := doc.CreateElement("samlp:AuthnRequest")
	ar.CreateAttr("xmlns:samlp", nsSAMLP)
	ar.CreateAttr("xmlns:saml", nsSAML)
	ar.CreateAttr("ID", requestID)
	ar.CreateAttr("Version", "2.0")
	ar.CreateAttr("IssueInstant", samlTime(now))
	ar.CreateAttr("Destination", c.IdpSSOURL)
	ar.CreateAttr("AssertionConsumerServiceURL", c.AcsURL)
	ar.CreateAttr("ProtocolBinding", bindingPOST)
	ar.CreateElement("saml:Issuer").SetText(c.AudienceURI)
	policy := ar.CreateElement("samlp:NameIDPolicy")
	policy.CreateAttr("Format", nameIDEmail)
	policy.CreateAttr("AllowCreate", "true")
	raw, err := doc.WriteToBytes()
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	_, _ = fw.Write(raw)
	_ = fw.Close()
	u, err := url.Parse(c.IdpSSOURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("SAMLRequest", base64.StdEncoding.EncodeToString(buf.Bytes()))
	q.Set("RelayState", relayState)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// oidcAuthorizeURL is the authorization request to the OIDC provider (code flow).
func oidcAuthorizeURL(c *oidcConnection, state, nonce string) string {
	u, err := url.Parse(c.AuthorizationURL)
	if err != nil {
		return c.AuthorizationURL
	}
	scopes := strings.Fields(c.CustomScopes)
	for _, s := range []string{"openid", "email", "profile"} {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	q := u.Query()
	q.Set("response_type", "code")
	q.Set("client_id", c.ClientID)
	q.Set("redirect_uri", c.RedirectURL)
	q.Set("scope", strings.Join(scopes, " "))
	q.Set("state", state)
	q.Set("nonce", nonce)
	u.RawQuery = q.Encode()
	return u.String()
}

// finishCallback ends a verified callback: the start is spent, the sso token issued, and the
// browser sent to the login URL when the email is already a member of the connection's
// organization, else to the signup URL.
func (e *Emulator) finishCallback(ctx context.Context, tx *sql.Tx, state string, s *ssoStart, id ssoIdentity) (string, error) {
	now := e.now()
	ok, err := spendSSOStart(ctx, tx, state, now)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errUnsolicited(id.Kind)
	}
	tok := newSessionToken()
	if err := insertSSOToken(ctx, tx, tok, id, s.PKCE, now.Add(ssoTokenLifetime)); err != nil {
		return "", err
	}
	m, err := memberByEmail(ctx, tx, id.OrgID, id.Email)
	if err != nil {
		return "", err
	}
	if m == nil {
		return linkWithToken(s.SignupRedirect, "sso", tok), nil
	}
	return linkWithToken(s.LoginRedirect, "sso", tok), nil
}

func errUnsolicited(kind string) *apiError {
	if kind == "oidc" {
		return newAPIError(400, "unsolicited_oidc_response", "The state matches no SSO sign-in this emulator started, or that sign-in was already used or has expired.")
	}
	return newAPIError(400, "unsolicited_saml_response", "The RelayState and InResponseTo match no SSO sign-in this emulator started, or that sign-in was already used or has expired.")
}

// ssoAuthRequest is the body of sso/authenticate.
type ssoAuthRequest struct {
	Token                  string         `json:"sso_token"`
	Verifier               string         `json:"pkce_code_verifier"`
	SessionToken           string         `json:"session_token"`
	SessionJWT             string         `json:"session_jwt"`
	SessionDurationMinutes int            `json:"session_duration_minutes"`
	SessionCustomClaims    map[string]any `json:"session_custom_claims"`
	Locale                 string         `json:"locale"`
	IST                    string         `json:"intermediate_session_token"`
}

// POST /v1/b2b/sso/authenticate
func (e *Emulator) ssoAuthenticate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req ssoAuthRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if req.SessionToken != "" || req.SessionJWT != "" {
		return nil, errSSOSessionArgs
	}
	d, err := sessionDuration(req.SessionDurationMinutes, defaultSessionMins)
	if err != nil {
		return nil, err
	}
	now := e.now()
	id, pkce, ok, err := getSSOToken(ctx, tx, req.Token, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errSSOToken
	}
	if err := checkPKCE(pkce, req.Verifier); err != nil {
		return nil, err // the token stays unspent
	}
	if ok, err := spendSSOToken(ctx, tx, req.Token, now); err != nil || !ok {
		if err == nil {
			err = errSSOToken
		}
		return nil, err
	}
	conn, err := getConn(ctx, tx, id.ConnectionID)
	if err != nil {
		return nil, err
	}
	if conn == nil {
		return nil, keepTx(errSSOConnNotFound)
	}
	o, err := getOrg(ctx, tx, id.OrgID)
	if err != nil {
		return nil, err
	}
	m, err := e.ssoMember(ctx, tx, o, conn, id, now)
	if err != nil {
		return nil, keepTx(err) // the token is spent either way
	}
	factors, source, err := carriedFactors(ctx, tx, req.IST, o, m, now)
	if err != nil {
		return nil, err
	}
	factors = addFactor(factors, ssoFactor(conn, m, id, now))
	resp, err := e.finishPrimary(ctx, tx, primaryAuth{Member: m, Org: o, Factors: factors, Duration: d,
		Claims: req.SessionCustomClaims, Source: source})
	if err != nil {
		return nil, err
	}
	resp["organization_id"], resp["reset_session"] = o.OrganizationID, false
	return resp, nil
}

// ssoMember is the member the identity signs in as: an existing one (activated), or a new
// one by JIT provisioning (sso_jit_provisioning ALL_ALLOWED, or RESTRICTED with this
// connection allowed). Its SSO registration and the connection's implicit roles are updated.
func (e *Emulator) ssoMember(ctx context.Context, tx *sql.Tx, o *organization, c *ssoConn, id ssoIdentity, now time.Time) (*storedMember, error) {
	m, err := memberByEmail(ctx, tx, o.OrganizationID, id.Email)
	if err != nil {
		return nil, err
	}
	if m == nil {
		jit := o.SSOJITProvisioning == "ALL_ALLOWED" ||
			(o.SSOJITProvisioning == "RESTRICTED" && slices.Contains(o.SSOJITProvisioningAllowedConnections, c.ID))
		if !jit {
			return nil, errSSOJIT
		}
		m = newMember(o.OrganizationID, id.Email, "active", true, nil, now)
		m.Name = id.Name
	}
	m.Status, m.EmailAddressVerified = "active", true
	setSSORegistration(m, id)
	if c.SAML != nil {
		setImplicitRoles(m, c.SAML, id.Groups)
	}
	m.UpdatedAt = ts(now)
	return m, saveMember(ctx, tx, m, now)
}

// setSSORegistration adds or refreshes the member's registration for the identity's connection.
func setSSORegistration(m *storedMember, id ssoIdentity) {
	attrs := id.Attributes
	if attrs == nil {
		attrs = map[string]any{}
	}
	for i, raw := range m.SSORegistrations {
		if reg, ok := raw.(map[string]any); ok && reg["connection_id"] == id.ConnectionID {
			reg["external_id"], reg["sso_attributes"] = id.ExternalID, attrs
			m.SSORegistrations[i] = reg
			return
		}
	}
	m.SSORegistrations = append(m.SSORegistrations, map[string]any{"connection_id": id.ConnectionID, "external_id": id.ExternalID,
		"registration_id": "member-registration-test-" + newUUID(), "sso_attributes": attrs})
}

// ssoRegistrationID is the member's registration ID for a connection.
func ssoRegistrationID(m *storedMember, connID string) string {
	for _, raw := range m.SSORegistrations {
		if reg, ok := raw.(map[string]any); ok && reg["connection_id"] == connID {
			s, _ := reg["registration_id"].(string)
			return s
		}
	}
	return ""
}

// setImplicitRoles replaces the roles this SAML connection grants the member: its connection
// assignments, and its group assignments whose group the assertion names.
func setImplicitRoles(m *storedMember, c *samlConnection, groups []string) {
	var kept []memberRole
	for _, r := range m.Roles {
		r.Sources = slices.DeleteFunc(slices.Clone(r.Sources), func(s roleSource) bool {
			return (s.Type == "sso_connection" || s.Type == "sso_connection_group") && s.Details["connection_id"] == c.ConnectionID
		})
		if len(r.Sources) > 0 {
			kept = append(kept, r)
		}
	}
	add := func(roleID string, src roleSource) {
		for i := range kept {
			if kept[i].RoleID == roleID {
				kept[i].Sources = append(kept[i].Sources, src)
				return
			}
		}
		kept = append(kept, memberRole{RoleID: roleID, Sources: []roleSource{src}})
	}
	for _, a := range c.SAMLConnectionImplicitRoleAssignments {
		add(a.RoleID, roleSource{Type: "sso_connection", Details: map[string]any{"connection_id": c.ConnectionID}})
	}
	for _, a := range c.SAMLGroupImplicitRoleAssignments {
		if slices.Contains(groups, a.Group) {
			add(a.RoleID, roleSource{Type: "sso_connection_group", Details: map[string]any{"connection_id": c.ConnectionID, "group": a.Group}})
		}
	}
	m.Roles = kept
	m.IsAdmin = slices.Contains(m.roleIDs(), roleAdmin)
}

// ssoFactor is the session factor an SSO sign-in proves: {type: sso, delivery_method:
// sso_saml|sso_oidc, saml_sso_factor|oidc_sso_factor: {id (registration), provider_id
// (connection), external_id}}.
func ssoFactor(c *ssoConn, m *storedMember, id ssoIdentity, now time.Time) authFactor {
	detail := &ssoFactorDetail{ID: ssoRegistrationID(m, c.ID), ProviderID: c.ID, ExternalID: id.ExternalID}
	if c.SAML != nil {
		f := newFactor("sso", "sso_saml", now)
		f.SAMLSSOFactor = detail
		return f
	}
	f := newFactor("sso", "sso_oidc", now)
	f.OIDCSSOFactor = detail
	return f
}

type ssoFactorDetail struct {
	ID         string `json:"id"`
	ProviderID string `json:"provider_id"`
	ExternalID string `json:"external_id"`
}
