package stytchb2b

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	orgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	otpemail "github.com/stytchauth/stytch-go/v16/stytch/b2b/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso/oidc"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso/saml"
)

// Enterprise single sign-on (SAML, OIDC): an organization's connections, which its admins set
// up with their own session (Stytch's stytch.sso permissions), and the sign-in itself, which
// starts in the browser (Stytch's public start URL, like OAuth) and ends here with the token the
// identity provider's answer became.

// Errors of SSO.
var (
	ErrSSOExpired       = errors.New("sso token not found, expired or already used")
	ErrSSONoJIT         = errors.New("sso sign-in of a new member not allowed by the organization")
	ErrSSOConnNotFound  = errors.New("sso connection not found")
	ErrSSODefaultInUse  = errors.New("the default sso connection can't be deleted while others exist")
	ErrSSOMetadata      = errors.New("sso identity provider metadata refused")
	ErrSSOConfigInvalid = errors.New("sso connection settings refused")
	ErrSSORestricted    = errors.New("sign-in method not allowed by the organization")
)

// ssoErrorTypes are Stytch's SSO error types (mapErr reads them after errorTypes).
var ssoErrorTypes = map[string]error{
	"sso_token_not_found":                                 ErrSSOExpired,
	"invalid_connection_for_jit_provisioning":             ErrSSONoJIT,
	"sso_connection_not_found":                            ErrSSOConnNotFound,
	"saml_connection_not_found":                           ErrSSOConnNotFound,
	"oidc_connection_not_found":                           ErrSSOConnNotFound,
	"cannot_delete_default_sso_connection":                ErrSSODefaultInUse,
	"invalid_saml_metadata_url":                           ErrSSOMetadata,
	"invalid_xml_from_saml_metadata_url":                  ErrSSOMetadata,
	"saml_connection_metadata_invalid_format":             ErrSSOMetadata,
	"invalid_idp_entity_id":                               ErrSSOConfigInvalid,
	"invalid_idp_sso_url":                                 ErrSSOConfigInvalid,
	"saml_connection_idp_sso_url_invalid_format":          ErrSSOConfigInvalid,
	"saml_connection_idp_sso_url_not_https":               ErrSSOConfigInvalid,
	"invalid_x509_certificate":                            ErrSSOConfigInvalid,
	"saml_connection_attribute_mapping_required":          ErrSSOConfigInvalid,
	"saml_connection_email_mapping_required":              ErrSSOConfigInvalid,
	"saml_connection_name_mapping_required":               ErrSSOConfigInvalid,
	"saml_connection_no_nested_keys_in_attribute_mapping": ErrSSOConfigInvalid,
	"oidc_connection_issuer_url_invalid_format":           ErrSSOConfigInvalid,
	"invalid_sso_idp":                                     ErrSSOConfigInvalid,
	"invalid_sso_default_connection_id":                   ErrSSOConfigInvalid,
	"invalid_restricted_sso_setting":                      ErrSSOConfigInvalid,
	"operation_restricted_by_organization_auth_methods":   ErrSSORestricted,
}

// Permissions of the SSO setup page (Stytch's stytch.sso resource).
var (
	ViewSSO            = Permission{"stytch.sso", "get"}
	CreateSSO          = Permission{"stytch.sso", "create"}
	UpdateSSO          = Permission{"stytch.sso", "update"}
	DeleteSSO          = Permission{"stytch.sso", "delete"}
	EditSSOOrgSettings = Permission{"stytch.organization", "update.settings.sso-jit-provisioning"}
	SetDefaultSSO      = Permission{"stytch.organization", "update.settings.default-sso-connection"}
)

// SSO connection kinds.
const (
	SSOSAML = "saml"
	SSOOIDC = "oidc"
)

// SSOConn is an active SSO connection as an organization lists it (its sso_active_connections).
type SSOConn struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Default bool   `json:"default,omitempty"`
}

// SSOConnection is one of an organization's SSO connections as its setup page shows it. The
// OIDC client secret is never read into it: only whether one is set.
type SSOConnection struct {
	ID      string
	Kind    string // SSOSAML or SSOOIDC
	Name    string
	Active  bool // Stytch's status "active" (else "pending")
	Default bool
	IdP     string // identity_provider
	// SAML
	ACSURL, AudienceURI, IdPEntityID, IdPSSOURL string
	Certificates                                int
	Mapping                                     map[string]string
	// OIDC
	RedirectURL, Issuer, ClientID string
	SecretSet                     bool
}

// SSOSettings are the organization's SSO settings: its connections and who may use them.
type SSOSettings struct {
	Connections    []SSOConnection // default first, then SAML, then OIDC, as Stytch lists them
	JIT            string          // sso_jit_provisioning: ALL_ALLOWED, RESTRICTED, NOT_ALLOWED
	JITConnections []string        // sso_jit_provisioning_allowed_connections
	RequireSSO     bool            // auth_methods RESTRICTED to ["sso"]
	AllowedMethods []string        // allowed_auth_methods when auth_methods is RESTRICTED
}

// Active lists the active connections, default first.
func (s SSOSettings) Active() []SSOConn {
	var out []SSOConn
	for _, c := range s.Connections {
		if c.Active {
			out = append(out, SSOConn{ID: c.ID, Name: c.Name, Default: c.Default})
		}
	}
	return out
}

// Find returns the connection with this ID.
func (s SSOSettings) Find(id string) (SSOConnection, bool) {
	i := slices.IndexFunc(s.Connections, func(c SSOConnection) bool { return c.ID == id })
	if id == "" || i < 0 {
		return SSOConnection{}, false
	}
	return s.Connections[i], true
}

// ssoConns reads an organization's active connections, the default first.
func ssoConns(o *orgs.Organization) []SSOConn {
	var out []SSOConn
	for _, c := range o.SSOActiveConnections {
		sc := SSOConn{ID: c.ConnectionID, Name: c.DisplayName, Default: c.ConnectionID == o.SSODefaultConnectionID}
		if sc.Default {
			out = append([]SSOConn{sc}, out...)
		} else {
			out = append(out, sc)
		}
	}
	return out
}

// SSOSettings reads the organization's connections and SSO settings with the admin's session.
func (c *Client) SSOSettings(ctx context.Context, sessionToken, orgID string) (SSOSettings, error) {
	const op = "get sso connections"
	if err := needSession(op, sessionToken); err != nil {
		return SSOSettings{}, err
	}
	auth, err := c.authenticateToken(ctx, "read organization sso settings", sessionToken, nil)
	if err != nil {
		return SSOSettings{}, err
	}
	resp, err := callAs(ctx, c, op, c.api.SSO.GetConnections, &sso.GetConnectionsParams{OrganizationID: orgID},
		&sso.GetConnectionsRequestOptions{Authorization: asMember(sessionToken)})
	if err != nil {
		return SSOSettings{}, err
	}
	o := auth.Organization
	s := SSOSettings{JIT: o.SSOJITProvisioning, JITConnections: o.SSOJITProvisioningAllowedConnections}
	if o.AuthMethods == "RESTRICTED" {
		s.AllowedMethods = o.AllowedAuthMethods
		s.RequireSSO = slices.Equal(o.AllowedAuthMethods, []string{"sso"})
	}
	for _, x := range resp.SAMLConnections {
		s.Connections = append(s.Connections, samlConn(x, o.SSODefaultConnectionID))
	}
	for _, x := range resp.OIDCConnections {
		s.Connections = append(s.Connections, oidcConn(x, o.SSODefaultConnectionID))
	}
	slices.SortStableFunc(s.Connections, func(a, b SSOConnection) int {
		switch {
		case a.Default == b.Default:
			return 0
		case a.Default:
			return -1
		}
		return 1
	})
	return s, nil
}

func samlConn(x sso.SAMLConnection, def string) SSOConnection {
	c := SSOConnection{
		ID: x.ConnectionID, Kind: SSOSAML, Name: x.DisplayName, Active: x.Status == "active", Default: x.ConnectionID == def,
		IdP: x.IdentityProvider, ACSURL: x.AcsURL, AudienceURI: x.AudienceURI, IdPEntityID: x.IdpEntityID, IdPSSOURL: x.IdpSSOURL,
		Certificates: len(x.VerificationCertificates), Mapping: map[string]string{},
	}
	for k, v := range x.AttributeMapping {
		if s, ok := v.(string); ok {
			c.Mapping[k] = s
		}
	}
	return c
}

func oidcConn(x sso.OIDCConnection, def string) SSOConnection {
	return SSOConnection{
		ID: x.ConnectionID, Kind: SSOOIDC, Name: x.DisplayName, Active: x.Status == "active", Default: x.ConnectionID == def,
		IdP: x.IdentityProvider, RedirectURL: x.RedirectURL, Issuer: x.Issuer, ClientID: x.ClientID, SecretSet: x.ClientSecret != "",
	}
}

// SAMLSetup completes a SAML connection: from the identity provider's metadata URL, or by hand
// (entity ID, sign-in URL, certificate). Mapping is Stytch's attribute_mapping.
type SAMLSetup struct {
	MetadataURL string
	EntityID    string
	SSOURL      string
	Certificate string // PEM
	Mapping     map[string]string
}

// CreateSAML creates a SAML connection named name and completes it with setup: the metadata
// (when given) first, then the mapping and any field typed by hand. A connection that Stytch
// created but refused to complete is returned too, pending, with the error.
func (c *Client) CreateSAML(ctx context.Context, sessionToken, orgID, name string, setup SAMLSetup) (SSOConnection, error) {
	const op = "create saml connection"
	if err := needSession(op, sessionToken); err != nil {
		return SSOConnection{}, err
	}
	idp := saml.CreateConnectionRequestIdentityProviderGeneric
	resp, err := callAs(ctx, c, op, c.api.SSO.SAML.CreateConnection, &saml.CreateConnectionParams{
		OrganizationID: orgID, DisplayName: name, IdentityProvider: &idp,
	}, &saml.CreateConnectionRequestOptions{Authorization: asMember(sessionToken)})
	if err != nil {
		return SSOConnection{}, err
	}
	conn := samlConn(*resp.Connection, "")
	conn, err = c.UpdateSAML(ctx, sessionToken, orgID, conn.ID, setup)
	if err != nil {
		return samlConn(*resp.Connection, ""), err
	}
	return conn, nil
}

// UpdateSAML completes or changes a SAML connection (see SAMLSetup).
func (c *Client) UpdateSAML(ctx context.Context, sessionToken, orgID, connID string, setup SAMLSetup) (SSOConnection, error) {
	const op = "update saml connection"
	if err := needSession(op, sessionToken); err != nil {
		return SSOConnection{}, err
	}
	auth := asMember(sessionToken)
	var conn *sso.SAMLConnection
	if setup.MetadataURL != "" {
		resp, err := callAs(ctx, c, "update saml connection by url", c.api.SSO.SAML.UpdateByURL, &saml.UpdateByURLParams{
			OrganizationID: orgID, ConnectionID: connID, MetadataURL: setup.MetadataURL,
		}, &saml.UpdateByURLRequestOptions{Authorization: auth})
		if err != nil {
			return SSOConnection{}, err
		}
		conn = resp.Connection
	}
	mapping := map[string]any{}
	for k, v := range setup.Mapping {
		mapping[k] = v
	}
	resp, err := callAs(ctx, c, op, c.api.SSO.SAML.UpdateConnection, &saml.UpdateConnectionParams{
		OrganizationID: orgID, ConnectionID: connID, AttributeMapping: mapping,
		IdpEntityID: setup.EntityID, IdpSSOURL: setup.SSOURL, X509Certificate: setup.Certificate,
	}, &saml.UpdateConnectionRequestOptions{Authorization: auth})
	if err != nil {
		if conn != nil {
			return samlConn(*conn, ""), err
		}
		return SSOConnection{}, err
	}
	return samlConn(*resp.Connection, ""), nil
}

// OIDCSetup completes an OIDC connection: Stytch discovers the endpoints from the issuer.
type OIDCSetup struct {
	Issuer       string
	ClientID     string
	ClientSecret string
}

// CreateOIDC creates an OIDC connection named name and completes it with setup. warning is
// Stytch's, when the issuer's discovery failed (the connection then stays pending).
func (c *Client) CreateOIDC(ctx context.Context, sessionToken, orgID, name string, setup OIDCSetup) (conn SSOConnection, warning string, err error) {
	const op = "create oidc connection"
	if err := needSession(op, sessionToken); err != nil {
		return SSOConnection{}, "", err
	}
	idp := oidc.CreateConnectionRequestIdentityProviderGeneric
	auth := asMember(sessionToken)
	created, err := callAs(ctx, c, op, c.api.SSO.OIDC.CreateConnection, &oidc.CreateConnectionParams{
		OrganizationID: orgID, DisplayName: name, IdentityProvider: &idp,
	}, &oidc.CreateConnectionRequestOptions{Authorization: auth})
	if err != nil {
		return SSOConnection{}, "", err
	}
	resp, err := callAs(ctx, c, "update oidc connection", c.api.SSO.OIDC.UpdateConnection, &oidc.UpdateConnectionParams{
		OrganizationID: orgID, ConnectionID: created.Connection.ConnectionID,
		Issuer: setup.Issuer, ClientID: setup.ClientID, ClientSecret: setup.ClientSecret,
	}, &oidc.UpdateConnectionRequestOptions{Authorization: auth})
	if err != nil {
		return oidcConn(*created.Connection, ""), "", err
	}
	return oidcConn(*resp.Connection, ""), resp.Warning, nil
}

// DeleteSSOConnection deletes a connection with the admin's session.
func (c *Client) DeleteSSOConnection(ctx context.Context, sessionToken, orgID, connID string) error {
	const op = "delete sso connection"
	if err := needSession(op, sessionToken); err != nil {
		return err
	}
	_, err := callAs(ctx, c, op, c.api.SSO.DeleteConnection, &sso.DeleteConnectionParams{OrganizationID: orgID, ConnectionID: connID},
		&sso.DeleteConnectionRequestOptions{Authorization: asMember(sessionToken)})
	return err
}

// SSOOrgUpdate changes the organization's SSO settings; zero fields are left as they are.
type SSOOrgUpdate struct {
	DefaultConnection string
	JIT               string   // ALL_ALLOWED, RESTRICTED (with JITConnections) or NOT_ALLOWED
	JITConnections    []string // for RESTRICTED
	// AuthMethods is ALL_ALLOWED or RESTRICTED (with AllowedMethods); "" leaves it.
	AuthMethods    string
	AllowedMethods []string
}

// UpdateSSOOrg changes the organization's SSO settings with the admin's session, and answers
// its active connections as they are then.
func (c *Client) UpdateSSOOrg(ctx context.Context, sessionToken, orgID string, u SSOOrgUpdate) ([]SSOConn, error) {
	const op = "update organization sso settings"
	if err := needSession(op, sessionToken); err != nil {
		return nil, err
	}
	resp, err := callAs(ctx, c, op, c.api.Organizations.Update, &orgs.UpdateParams{
		OrganizationID: orgID, SSODefaultConnectionID: u.DefaultConnection,
		SSOJITProvisioning: u.JIT, SSOJITProvisioningAllowedConnections: u.JITConnections,
		AuthMethods: u.AuthMethods, AllowedAuthMethods: u.AllowedMethods,
	}, &orgs.UpdateRequestOptions{Authorization: asMember(sessionToken)})
	if err != nil {
		return nil, err
	}
	return ssoConns(&resp.Organization), nil
}

// OrgFace is an organization's public face for its own sign-in page: name, logo, slug, its
// active SSO connections (default first) and the sign-in methods it accepts.
type OrgFace struct {
	Org
	Methods []string // allowed_auth_methods when auth_methods is RESTRICTED; nil = every method
}

// Accepts reports whether the organization accepts this sign-in method (Stytch's name).
func (f OrgFace) Accepts(method string) bool {
	return f.Methods == nil || slices.Contains(f.Methods, method)
}

// AcceptsSSO reports whether the organization accepts SSO and has an active connection.
func (f OrgFace) AcceptsSSO() bool { return f.Accepts("sso") && len(f.SSO) > 0 }

// OrgPage returns the organization with this slug as its own sign-in page shows it. An unknown
// slug is ErrOrgNotFound (so is an organization ID: the page is by slug only).
func (c *Client) OrgPage(ctx context.Context, slug string) (OrgFace, error) {
	resp, err := call(ctx, c, "get organization by slug", c.api.Organizations.Get, &orgs.GetParams{OrganizationID: slug})
	if err != nil {
		return OrgFace{}, err
	}
	o := resp.Organization
	if !strings.EqualFold(o.OrganizationSlug, slug) {
		return OrgFace{}, fmt.Errorf("get organization by slug: %w", ErrOrgNotFound)
	}
	f := OrgFace{Org: orgOf(&o)}
	if o.AuthMethods == "RESTRICTED" {
		f.Methods = append([]string{}, o.AllowedAuthMethods...)
	}
	return f, nil
}

// SendOrgLoginEmail emails a sign-in link for one organization (Stytch's login_or_signup): it
// lands in that organization with no chooser, as a login or, for a new member the organization
// lets join, a sign-up.
func (c *Client) SendOrgLoginEmail(ctx context.Context, orgID, address, redirectURL string) error {
	_, err := call(ctx, c, "send organization login email", c.api.MagicLinks.Email.LoginOrSignup, &email.LoginOrSignupParams{
		OrganizationID: orgID, EmailAddress: address, LoginRedirectURL: redirectURL, SignupRedirectURL: redirectURL,
	})
	return err
}

// SendOrgLoginCode emails a 6-digit sign-in code for one organization (Stytch's
// otps/email/login_or_signup), the code-sized twin of SendOrgLoginEmail.
func (c *Client) SendOrgLoginCode(ctx context.Context, orgID, address string) error {
	_, err := call(ctx, c, "send organization login code", c.api.OTPs.Email.LoginOrSignup, &otpemail.LoginOrSignupParams{
		OrganizationID: orgID, EmailAddress: address,
	})
	return err
}

// AuthenticateOrgCode spends an organization's email code: a session in it, or an
// *MFARequiredError when it wants a second factor (or another sign-in method).
func (c *Client) AuthenticateOrgCode(ctx context.Context, orgID, address, code string) (Session, error) {
	resp, err := call(ctx, c, "authenticate organization code", c.api.OTPs.Email.Authenticate, &otpemail.AuthenticateParams{
		OrganizationID: orgID, EmailAddress: address, Code: code, SessionDurationMinutes: c.duration,
	})
	if err != nil {
		return Session{}, err
	}
	if !resp.MemberAuthenticated || resp.SessionToken == "" {
		return Session{}, mfaRequired("authenticate organization code", resp.IntermediateSessionToken, &resp.Member, &resp.Organization, resp.MFARequired, codeNotAccepted(&resp.Organization))
	}
	return session(resp.SessionToken, resp.SessionJWT, &resp.MemberSession, &resp.Member, &resp.Organization), nil
}

// codeNotAccepted is linkNotAccepted for an email code (v16's answer has no primary_required).
func codeNotAccepted(o *orgs.Organization) *sessions.PrimaryRequired {
	if o.AuthMethods != "RESTRICTED" || slices.Contains(o.AllowedAuthMethods, "email_otp") {
		return nil
	}
	return &sessions.PrimaryRequired{AllowedAuthMethods: o.AllowedAuthMethods}
}

// SSOStartURL is where the browser goes to sign in with an SSO connection: Stytch's public
// start URL on apiBase, coming back to redirectURL (as a login or a sign-up). It returns the
// PKCE verifier, which must stay server-side until the browser comes back.
func SSOStartURL(apiBase, publicToken, connectionID, redirectURL string) (startURL, verifier string) {
	q, verifier := pkceQuery(publicToken)
	q.Set("connection_id", connectionID)
	q.Set("login_redirect_url", redirectURL)
	q.Set("signup_redirect_url", redirectURL)
	return strings.TrimRight(apiBase, "/") + "/v1/public/sso/start?" + q.Encode(), verifier
}

// SSOLanding is what an SSO sign-in comes back with, and what spends it: the token, the PKCE
// verifier kept at the start, and the IST of a pending step that asked for SSO ("" for none).
type SSOLanding struct {
	Token    string
	Verifier string
	IST      string
}

// SSOIdentity is what the identity provider said about the person (a test sign-in shows it).
type SSOIdentity struct {
	Email  string
	Name   string
	Groups []string
}

// AuthenticateSSO spends an SSO token: a session, or an *MFARequiredError when the
// organization wants a second factor. The identity is what the IdP sent.
func (c *Client) AuthenticateSSO(ctx context.Context, l SSOLanding) (Session, SSOIdentity, error) {
	resp, err := call(ctx, c, "authenticate sso", c.api.SSO.Authenticate, &sso.AuthenticateParams{
		SSOToken: l.Token, PkceCodeVerifier: l.Verifier, IntermediateSessionToken: l.IST, SessionDurationMinutes: c.duration,
	})
	if err != nil {
		return Session{}, SSOIdentity{}, err
	}
	id := ssoIdentity(&resp.Member)
	if !resp.MemberAuthenticated || resp.SessionToken == "" || resp.MemberSession == nil {
		return Session{}, id, mfaRequired("authenticate sso", resp.IntermediateSessionToken, &resp.Member, &resp.Organization, resp.MFARequired, nil)
	}
	return session(resp.SessionToken, resp.SessionJWT, resp.MemberSession, &resp.Member, &resp.Organization), id, nil
}

// ssoIdentity reads the member's name, email and the groups of its latest SSO registration.
func ssoIdentity(m *orgs.Member) SSOIdentity {
	id := SSOIdentity{Email: m.EmailAddress, Name: m.Name}
	for _, reg := range m.SSORegistrations {
		switch g := reg.SSOAttributes["groups"].(type) {
		case []any:
			id.Groups = id.Groups[:0]
			for _, v := range g {
				if s, ok := v.(string); ok {
					id.Groups = append(id.Groups, s)
				}
			}
		case string:
			id.Groups = strings.Split(g, ",")
		}
		if n, ok := reg.SSOAttributes["name"].(string); ok && id.Name == "" {
			id.Name = n
		}
	}
	return id
}

// LocalIdP is the embedded emulator's test identity providers, for "Use the local test
// identity provider" (never offered with real Stytch).
type LocalIdP struct {
	SAMLMetadataURL string
	OIDCIssuer      string
	ClientID        string
	ClientSecret    string
	Mapping         map[string]string
}

// EmulatorIdP describes the embedded emulator's identity providers at its origin.
func EmulatorIdP(origin string) LocalIdP {
	o := strings.TrimRight(origin, "/")
	return LocalIdP{
		SAMLMetadataURL: o + "/idp/saml/metadata", OIDCIssuer: o + "/idp/oidc",
		ClientID: "emulator-oidc-client", ClientSecret: "emulator-oidc-secret",
		Mapping: map[string]string{"email": "email", "full_name": "name", "groups": "groups"},
	}
}
