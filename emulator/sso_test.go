package emulator_test

import (
	"testing"

	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso/oidc"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso/saml"
	"github.com/stytchauth/stytch-go/v16/stytch/methodoptions"
)

// samlMapping maps the emulated SAML IdP's attributes.
var samlMapping = map[string]any{"email": "email", "full_name": "name", "groups": "groups"}

// ssoOrg creates an organization (admin ada@acme.com, JIT by domain acme.com) and returns its
// ID and the admin's session token.
func (e *env) ssoOrg() (string, string) {
	e.t.Helper()
	admin := e.signUp("ada@acme.com", "Acme", "acme", func(p *dorgs.CreateParams) {
		p.EmailJITProvisioning = "RESTRICTED"
		p.EmailAllowedDomains = []string{"acme.com"}
		p.EmailInvites = "ALL_ALLOWED"
	})
	return admin.Organization.OrganizationID, admin.SessionToken
}

// samlConn creates a SAML connection and configures it from the emulated IdP's metadata and
// samlMapping: it is active.
func (e *env) samlConn(orgID string) *sso.SAMLConnection {
	e.t.Helper()
	created, err := e.client.SSO.SAML.CreateConnection(e.ctx, &saml.CreateConnectionParams{OrganizationID: orgID, DisplayName: "Emulated SAML"})
	mustOK(e.t, err)
	id := created.Connection.ConnectionID
	_, err = e.client.SSO.SAML.UpdateByURL(e.ctx, &saml.UpdateByURLParams{OrganizationID: orgID, ConnectionID: id, MetadataURL: e.srv.URL + "/idp/saml/metadata"})
	mustOK(e.t, err)
	resp, err := e.client.SSO.SAML.UpdateConnection(e.ctx, &saml.UpdateConnectionParams{OrganizationID: orgID, ConnectionID: id, AttributeMapping: samlMapping})
	mustOK(e.t, err)
	if resp.Connection.Status != "active" {
		e.t.Fatalf("status = %s", resp.Connection.Status)
	}
	return resp.Connection
}

// oidcConn creates an OIDC connection to the emulated OpenID Provider: it is active.
func (e *env) oidcConn(orgID string) *sso.OIDCConnection {
	e.t.Helper()
	created, err := e.client.SSO.OIDC.CreateConnection(e.ctx, &oidc.CreateConnectionParams{OrganizationID: orgID, DisplayName: "Emulated OIDC"})
	mustOK(e.t, err)
	resp, err := e.client.SSO.OIDC.UpdateConnection(e.ctx, &oidc.UpdateConnectionParams{OrganizationID: orgID,
		ConnectionID: created.Connection.ConnectionID, Issuer: e.srv.URL + "/idp/oidc",
		ClientID: emulatorDevClientID, ClientSecret: emulatorDevClientSecret})
	mustOK(e.t, err)
	if resp.Connection.Status != "active" || resp.Warning != "" {
		e.t.Fatalf("connection = %+v, warning %q", resp.Connection, resp.Warning)
	}
	return resp.Connection
}

func TestSAMLConnectionLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, _ := e.ssoOrg()
	created, err := e.client.SSO.SAML.CreateConnection(e.ctx, &saml.CreateConnectionParams{OrganizationID: orgID, DisplayName: "Okta"})
	mustOK(t, err)
	c := created.Connection
	if c.Status != "pending" || c.IdentityProvider != "generic" || c.AcsURL != e.srv.URL+"/v1/b2b/sso/callback/"+c.ConnectionID ||
		c.AudienceURI != c.AcsURL || len(c.SigningCertificates) != 1 || len(c.VerificationCertificates) != 0 {
		t.Fatalf("created = %+v", c)
	}
	id := c.ConnectionID
	update := func(p saml.UpdateConnectionParams) (*saml.UpdateConnectionResponse, error) {
		p.OrganizationID, p.ConnectionID = orgID, id
		return e.client.SSO.SAML.UpdateConnection(e.ctx, &p)
	}
	for _, tc := range []struct {
		name string
		p    saml.UpdateConnectionParams
		typ  string
	}{
		{"no email", saml.UpdateConnectionParams{AttributeMapping: map[string]any{"full_name": "name"}}, "saml_connection_email_mapping_required"},
		{"no name", saml.UpdateConnectionParams{AttributeMapping: map[string]any{"email": "email"}}, "saml_connection_name_mapping_required"},
		{"nested", saml.UpdateConnectionParams{AttributeMapping: map[string]any{"email": map[string]any{"a": "b"}, "full_name": "n"}}, "saml_connection_no_nested_keys_in_attribute_mapping"},
		{"bad certificate", saml.UpdateConnectionParams{X509Certificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}, "invalid_x509_certificate"},
		{"bad sso url", saml.UpdateConnectionParams{IdpSSOURL: "not a url"}, "saml_connection_idp_sso_url_invalid_format"},
		{"http sso url", saml.UpdateConnectionParams{IdpSSOURL: "http://idp.example.com/sso"}, "saml_connection_idp_sso_url_not_https"},
		{"groups roles without groups key", saml.UpdateConnectionParams{SAMLGroupImplicitRoleAssignments: []*sso.SAMLGroupImplicitRoleAssignment{{RoleID: "stytch_admin", Group: "admins"}}}, "saml_connection_attribute_mapping_missing_groups_key"},
		{"unknown role", saml.UpdateConnectionParams{SAMLConnectionImplicitRoleAssignments: []*sso.SAMLConnectionImplicitRoleAssignment{{RoleID: "nope"}}}, "invalid_rbac_role_id"},
	} {
		_, err := update(tc.p)
		wantStytchError(t, err, 400, tc.typ)
	}
	// Partial configuration stays pending.
	resp, err := update(saml.UpdateConnectionParams{IdpEntityID: "https://idp.example.com/entity", IdpSSOURL: "https://idp.example.com/sso", AttributeMapping: samlMapping})
	mustOK(t, err)
	if resp.Connection.Status != "pending" {
		t.Fatalf("status = %s", resp.Connection.Status)
	}
	org, err := e.client.Organizations.Get(e.ctx, &organizations.GetParams{OrganizationID: orgID})
	mustOK(t, err)
	if len(org.Organization.SSOActiveConnections) != 0 || org.Organization.SSODefaultConnectionID != "" {
		t.Fatalf("org = %+v", org.Organization)
	}
	// A certificate completes it: active, listed on the organization, its default.
	pemA, pemB := testCertPEM(t), testCertPEM(t)
	resp, err = update(saml.UpdateConnectionParams{X509Certificate: pemA,
		SAMLConnectionImplicitRoleAssignments: []*sso.SAMLConnectionImplicitRoleAssignment{{RoleID: "stytch_admin"}}})
	mustOK(t, err)
	if resp.Connection.Status != "active" || len(resp.Connection.VerificationCertificates) != 1 ||
		resp.Connection.SAMLConnectionImplicitRoleAssignments[0].RoleID != "stytch_admin" {
		t.Fatalf("connection = %+v", resp.Connection)
	}
	org, err = e.client.Organizations.Get(e.ctx, &organizations.GetParams{OrganizationID: orgID})
	mustOK(t, err)
	if len(org.Organization.SSOActiveConnections) != 1 || org.Organization.SSOActiveConnections[0].ConnectionID != id ||
		org.Organization.SSOActiveConnections[0].DisplayName != "Okta" || org.Organization.SSODefaultConnectionID != id {
		t.Fatalf("org = %+v", org.Organization)
	}
	// Certificates: rotate (add B, delete A); the last one stays.
	resp, err = update(saml.UpdateConnectionParams{X509Certificate: pemB})
	mustOK(t, err)
	certs := resp.Connection.VerificationCertificates
	if len(certs) != 2 {
		t.Fatalf("certs = %+v", certs)
	}
	del := func(certID string) error {
		_, err := e.client.SSO.SAML.DeleteVerificationCertificate(e.ctx, &saml.DeleteVerificationCertificateParams{OrganizationID: orgID, ConnectionID: id, CertificateID: certID})
		return err
	}
	mustOK(t, del(certs[0].CertificateID))
	wantStytchError(t, del(certs[0].CertificateID), 404, "sso_verification_key_not_found")
	wantStytchError(t, del(certs[1].CertificateID), 400, "cannot_delete_last_sso_verification_key")
}

func TestSAMLConnectionLookupErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, _ := e.ssoOrg()
	_, err := e.client.SSO.SAML.UpdateConnection(e.ctx, &saml.UpdateConnectionParams{OrganizationID: orgID, ConnectionID: "saml-connection-test-nope", DisplayName: "x"})
	wantStytchError(t, err, 404, "saml_connection_not_found")
	_, err = e.client.SSO.SAML.CreateConnection(e.ctx, &saml.CreateConnectionParams{OrganizationID: orgID,
		IdentityProvider: ptr(saml.CreateConnectionRequestIdentityProvider("myspace"))})
	wantStytchError(t, err, 400, "invalid_sso_idp")
	_, err = e.client.SSO.SAML.CreateConnection(e.ctx, &saml.CreateConnectionParams{OrganizationID: "organization-test-nope"})
	wantStytchError(t, err, 404, "organization_not_found")
}

func ptr[T any](v T) *T { return &v }

func TestSAMLUpdateByURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, _ := e.ssoOrg()
	created, err := e.client.SSO.SAML.CreateConnection(e.ctx, &saml.CreateConnectionParams{OrganizationID: orgID})
	mustOK(t, err)
	id := created.Connection.ConnectionID
	byURL := func(u string) (*saml.UpdateByURLResponse, error) {
		return e.client.SSO.SAML.UpdateByURL(e.ctx, &saml.UpdateByURLParams{OrganizationID: orgID, ConnectionID: id, MetadataURL: u})
	}
	_, err = byURL("https://idp.example.com/metadata")
	wantStytchError(t, err, 400, "invalid_saml_metadata_url")
	_, err = byURL(e.srv.URL + "/idp/oidc/.well-known/openid-configuration")
	wantStytchError(t, err, 400, "invalid_xml_from_saml_metadata_url")
	_, err = byURL(e.srv.URL + "/idp/nothing-here")
	wantStytchError(t, err, 400, "invalid_saml_metadata_url")
	resp, err := byURL(e.srv.URL + "/idp/saml/metadata")
	mustOK(t, err)
	c := resp.Connection
	if c.IdpEntityID != e.srv.URL+"/idp/saml/metadata" || c.IdpSSOURL != e.srv.URL+"/idp/saml/sso" ||
		len(c.VerificationCertificates) != 1 || c.Status != "pending" { // attribute_mapping is never inferred
		t.Fatalf("connection = %+v", c)
	}
	// The same metadata again adds no second certificate.
	resp, err = byURL(e.srv.URL + "/idp/saml/metadata")
	mustOK(t, err)
	if len(resp.Connection.VerificationCertificates) != 1 {
		t.Fatalf("certs = %+v", resp.Connection.VerificationCertificates)
	}
}

func TestOIDCConnectionLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, _ := e.ssoOrg()
	created, err := e.client.SSO.OIDC.CreateConnection(e.ctx, &oidc.CreateConnectionParams{OrganizationID: orgID, DisplayName: "Entra",
		IdentityProvider: ptr(oidc.CreateConnectionRequestIdentityProviderMicrosoftentra)})
	mustOK(t, err)
	c := created.Connection
	if c.Status != "pending" || c.IdentityProvider != "microsoft-entra" || c.RedirectURL != e.srv.URL+"/v1/b2b/sso/callback/"+c.ConnectionID {
		t.Fatalf("created = %+v", c)
	}
	update := func(p oidc.UpdateConnectionParams) (*oidc.UpdateConnectionResponse, error) {
		p.OrganizationID, p.ConnectionID = orgID, c.ConnectionID
		return e.client.SSO.OIDC.UpdateConnection(e.ctx, &p)
	}
	// Discovery fails (not loopback): the update succeeds with a warning.
	resp, err := update(oidc.UpdateConnectionParams{Issuer: "https://idp.example.com", ClientID: "id", ClientSecret: "secret"})
	mustOK(t, err)
	if resp.Warning == "" || resp.Connection.Status != "pending" || resp.Connection.Issuer != "https://idp.example.com" {
		t.Fatalf("resp = %+v", resp)
	}
	_, err = update(oidc.UpdateConnectionParams{TokenURL: "ftp://x"})
	wantStytchError(t, err, 400, "oidc_connection_token_url_invalid_format")
	// The emulated provider's issuer: discovered endpoints, explicit values winning.
	resp, err = update(oidc.UpdateConnectionParams{Issuer: e.srv.URL + "/idp/oidc", UserinfoURL: e.srv.URL + "/idp/oidc/userinfo?explicit=1"})
	mustOK(t, err)
	got := resp.Connection
	if resp.Warning != "" || got.Status != "active" || got.AuthorizationURL != e.srv.URL+"/idp/oidc/authorize" ||
		got.TokenURL != e.srv.URL+"/idp/oidc/token" || got.JWKSURL != e.srv.URL+"/idp/oidc/jwks" ||
		got.UserinfoURL != e.srv.URL+"/idp/oidc/userinfo?explicit=1" || got.ClientSecret != "secret" {
		t.Fatalf("resp = %+v (warning %q)", got, resp.Warning)
	}
	list, err := e.client.SSO.GetConnections(e.ctx, &sso.GetConnectionsParams{OrganizationID: orgID})
	mustOK(t, err)
	if len(list.OIDCConnections) != 1 || len(list.SAMLConnections) != 0 || list.OIDCConnections[0].ConnectionID != c.ConnectionID {
		t.Fatalf("list = %+v", list)
	}
	_, err = e.client.SSO.OIDC.UpdateConnection(e.ctx, &oidc.UpdateConnectionParams{OrganizationID: orgID, ConnectionID: "oidc-connection-test-nope", DisplayName: "x"})
	wantStytchError(t, err, 404, "oidc_connection_not_found")
}

func TestSSOConnectionDeleteAndDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, _ := e.ssoOrg()
	first := e.samlConn(orgID)
	second := e.oidcConn(orgID)
	org, err := e.client.Organizations.Get(e.ctx, &organizations.GetParams{OrganizationID: orgID})
	mustOK(t, err)
	if org.Organization.SSODefaultConnectionID != first.ConnectionID || len(org.Organization.SSOActiveConnections) != 2 {
		t.Fatalf("org = %+v", org.Organization)
	}
	del := func(id string) error {
		_, err := e.client.SSO.DeleteConnection(e.ctx, &sso.DeleteConnectionParams{OrganizationID: orgID, ConnectionID: id})
		return err
	}
	wantStytchError(t, del(first.ConnectionID), 400, "cannot_delete_default_sso_connection")
	wantStytchError(t, del("saml-connection-test-nope"), 404, "sso_connection_not_found")
	// Another default (Organizations.Update), then the first goes.
	_, err = e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID, SSODefaultConnectionID: "oidc-connection-test-nope"})
	wantStytchError(t, err, 400, "invalid_sso_default_connection_id")
	upd, err := e.client.Organizations.Update(e.ctx, &organizations.UpdateParams{OrganizationID: orgID, SSODefaultConnectionID: second.ConnectionID})
	mustOK(t, err)
	if upd.Organization.SSODefaultConnectionID != second.ConnectionID {
		t.Fatalf("org = %+v", upd.Organization)
	}
	mustOK(t, del(first.ConnectionID))
	mustOK(t, del(second.ConnectionID)) // the only one left may go, default or not
	org, err = e.client.Organizations.Get(e.ctx, &organizations.GetParams{OrganizationID: orgID})
	mustOK(t, err)
	if org.Organization.SSODefaultConnectionID != "" || len(org.Organization.SSOActiveConnections) != 0 {
		t.Fatalf("org = %+v", org.Organization)
	}
}

func TestSSOConnectionsRBAC(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orgID, adminTok := e.ssoOrg()
	memberTok := joinOrg(t, e, orgID, "bob@acme.com")
	other := e.signUp("eve@evil.com", "Evil", "evil")
	asAdmin := methodoptions.Authorization{SessionToken: adminTok}
	asMember := methodoptions.Authorization{SessionToken: memberTok}

	created, err := e.client.SSO.SAML.CreateConnection(e.ctx, &saml.CreateConnectionParams{OrganizationID: orgID},
		&saml.CreateConnectionRequestOptions{Authorization: asAdmin})
	mustOK(t, err)
	id := created.Connection.ConnectionID
	_, err = e.client.SSO.SAML.CreateConnection(e.ctx, &saml.CreateConnectionParams{OrganizationID: orgID},
		&saml.CreateConnectionRequestOptions{Authorization: asMember})
	wantStytchError(t, err, 403, "session_authorization_error")
	_, err = e.client.SSO.OIDC.CreateConnection(e.ctx, &oidc.CreateConnectionParams{OrganizationID: orgID},
		&oidc.CreateConnectionRequestOptions{Authorization: asMember})
	wantStytchError(t, err, 403, "session_authorization_error")
	_, err = e.client.SSO.GetConnections(e.ctx, &sso.GetConnectionsParams{OrganizationID: orgID},
		&sso.GetConnectionsRequestOptions{Authorization: asMember})
	wantStytchError(t, err, 403, "session_authorization_error")
	_, err = e.client.SSO.SAML.UpdateConnection(e.ctx, &saml.UpdateConnectionParams{OrganizationID: orgID, ConnectionID: id, DisplayName: "x"},
		&saml.UpdateConnectionRequestOptions{Authorization: asMember})
	wantStytchError(t, err, 403, "session_authorization_error")
	_, err = e.client.SSO.DeleteConnection(e.ctx, &sso.DeleteConnectionParams{OrganizationID: orgID, ConnectionID: id},
		&sso.DeleteConnectionRequestOptions{Authorization: asMember})
	wantStytchError(t, err, 403, "session_authorization_error")
	_, err = e.client.SSO.GetConnections(e.ctx, &sso.GetConnectionsParams{OrganizationID: other.Organization.OrganizationID},
		&sso.GetConnectionsRequestOptions{Authorization: asAdmin})
	wantStytchError(t, err, 403, "session_authorization_tenancy_error")
	list, err := e.client.SSO.GetConnections(e.ctx, &sso.GetConnectionsParams{OrganizationID: orgID},
		&sso.GetConnectionsRequestOptions{Authorization: asAdmin})
	mustOK(t, err)
	if len(list.SAMLConnections) != 1 {
		t.Fatalf("list = %+v", list)
	}
	_, err = e.client.SSO.DeleteConnection(e.ctx, &sso.DeleteConnectionParams{OrganizationID: orgID, ConnectionID: id},
		&sso.DeleteConnectionRequestOptions{Authorization: asAdmin})
	mustOK(t, err)
}
