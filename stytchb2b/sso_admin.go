package stytchb2b

import (
	"context"
	"slices"

	orgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso/oidc"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso/saml"
)

// An organization's SSO connections and settings, as its admins set them up on the app's setup
// page: every call with the admin's session, so Stytch enforces its stytch.sso permissions.

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
	return doAsMember(ctx, c, "delete sso connection", sessionToken, c.api.SSO.DeleteConnection, &sso.DeleteConnectionParams{OrganizationID: orgID, ConnectionID: connID},
		&sso.DeleteConnectionRequestOptions{Authorization: asMember(sessionToken)})
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
