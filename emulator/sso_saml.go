package emulator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// SAML connections: create (pending), update (active once idp_sso_url, idp_entity_id,
// attribute_mapping and a verification certificate are set), update from IdP metadata,
// delete a verification certificate.

type x509Cert struct {
	CertificateID string `json:"certificate_id"`
	Certificate   string `json:"certificate"`
	Issuer        string `json:"issuer"`
	CreatedAt     string `json:"created_at"`
	ExpiresAt     string `json:"expires_at"`
}

type roleAssignment struct {
	RoleID string `json:"role_id"`
}

type groupRoleAssignment struct {
	RoleID string `json:"role_id"`
	Group  string `json:"group"`
}

// samlConnection is the SAMLConnection wire object.
type samlConnection struct {
	OrganizationID                        string                `json:"organization_id"`
	ConnectionID                          string                `json:"connection_id"`
	Status                                string                `json:"status"`
	IdpEntityID                           string                `json:"idp_entity_id"`
	DisplayName                           string                `json:"display_name"`
	IdpSSOURL                             string                `json:"idp_sso_url"`
	AcsURL                                string                `json:"acs_url"`
	AudienceURI                           string                `json:"audience_uri"`
	SigningCertificates                   []x509Cert            `json:"signing_certificates"`
	VerificationCertificates              []x509Cert            `json:"verification_certificates"`
	SAMLConnectionImplicitRoleAssignments []roleAssignment      `json:"saml_connection_implicit_role_assignments"`
	SAMLGroupImplicitRoleAssignments      []groupRoleAssignment `json:"saml_group_implicit_role_assignments"`
	AlternativeAudienceURI                string                `json:"alternative_audience_uri"`
	IdentityProvider                      string                `json:"identity_provider"`
	AttributeMapping                      map[string]any        `json:"attribute_mapping"`
}

func (c *samlConnection) normalize() {
	if c.SigningCertificates == nil {
		c.SigningCertificates = []x509Cert{}
	}
	if c.VerificationCertificates == nil {
		c.VerificationCertificates = []x509Cert{}
	}
	if c.SAMLConnectionImplicitRoleAssignments == nil {
		c.SAMLConnectionImplicitRoleAssignments = []roleAssignment{}
	}
	if c.SAMLGroupImplicitRoleAssignments == nil {
		c.SAMLGroupImplicitRoleAssignments = []groupRoleAssignment{}
	}
	if c.AttributeMapping == nil {
		c.AttributeMapping = map[string]any{}
	}
}

// activate applies Stytch's rule: active once idp_sso_url, attribute_mapping, idp_entity_id
// and a verification certificate are all set. An active connection never goes back to pending.
func (c *samlConnection) activate() {
	if c.IdpSSOURL != "" && c.IdpEntityID != "" && len(c.AttributeMapping) > 0 && len(c.VerificationCertificates) > 0 {
		c.Status = "active"
	}
}

var (
	errSAMLMappingRequired = newAPIError(400, "saml_connection_attribute_mapping_required",
		"attribute_mapping must map email and either full_name or first_name and last_name.")
	errSAMLEmailMapping = newAPIError(400, "saml_connection_email_mapping_required", "attribute_mapping must map email.")
	errSAMLNameMapping  = newAPIError(400, "saml_connection_name_mapping_required",
		"attribute_mapping must map full_name, or both first_name and last_name.")
	errSAMLNestedMapping = newAPIError(400, "saml_connection_no_nested_keys_in_attribute_mapping",
		"attribute_mapping values must be attribute names (strings).")
	errSAMLGroupsKey = newAPIError(400, "saml_connection_attribute_mapping_missing_groups_key",
		"attribute_mapping must map groups before saml_group_implicit_role_assignments can be set.")
	errSAMLSSOURL = newAPIError(400, "saml_connection_idp_sso_url_invalid_format",
		"idp_sso_url must be an absolute http(s) URL.")
	errSAMLSSOURLNotHTTPS = newAPIError(400, "saml_connection_idp_sso_url_not_https",
		"idp_sso_url must use https (the emulator also accepts http on loopback hosts).")
	errX509 = newAPIError(400, "invalid_x509_certificate",
		"x509_certificate must be one PEM-encoded X.509 certificate.")
	errTooManyCerts = newAPIError(400, "too_many_sso_verification_certificates",
		"A SAML connection may hold at most 5 verification certificates.")
	errCertNotFound = newAPIError(404, "sso_verification_key_not_found",
		"The verification certificate could not be found on this connection.")
	errLastCert = newAPIError(400, "cannot_delete_last_sso_verification_key",
		"An active SAML connection must keep at least one verification certificate.")
	errMetadataURL = newAPIError(400, "invalid_saml_metadata_url",
		"The metadata_url could not be fetched (the emulator fetches only http(s) URLs on loopback hosts).")
	errMetadataXML = newAPIError(400, "invalid_xml_from_saml_metadata_url",
		"The document at metadata_url is not valid XML.")
	errMetadataFormat = newAPIError(400, "saml_connection_metadata_invalid_format",
		"The metadata at metadata_url has no IDPSSODescriptor with an entityID, a SingleSignOnService and a signing certificate.")
)

// POST /v1/b2b/sso/saml/{organization_id}
func (e *Emulator) samlCreate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	o, req, err := e.createRequest(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	now := e.now()
	id := "saml-connection-test-" + newUUID()
	c := &samlConnection{OrganizationID: o.OrganizationID, ConnectionID: id, Status: "pending",
		DisplayName: req.DisplayName, IdentityProvider: req.IdentityProvider,
		AcsURL: callbackURL(r, id), AudienceURI: callbackURL(r, id),
		SigningCertificates: []x509Cert{e.spSigningCert()}}
	c.normalize()
	if err := saveConn(ctx, tx, &ssoConn{ID: id, OrgID: o.OrganizationID, Kind: "saml", Created: now, SAML: c}); err != nil {
		return nil, err
	}
	return map[string]any{"connection": c}, nil
}

// spSigningCert is the signing certificate every SAML connection lists: the emulator's own
// key (the session-JWT key's certificate), for IdPs that want signed AuthnRequests. The
// emulator does not sign its AuthnRequests (see README).
func (e *Emulator) spSigningCert() x509Cert {
	c := x509Cert{CertificateID: "saml-signing-key-test-" + e.keys.kid, Issuer: "Stytch"}
	if cert, err := x509.ParseCertificate(e.keys.cert); err == nil {
		c.Certificate = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.keys.cert}))
		c.CreatedAt, c.ExpiresAt = ts(cert.NotBefore), ts(cert.NotAfter)
	}
	return c
}

// samlUpdateRequest is the body of a SAML connection update.
type samlUpdateRequest struct {
	IdpEntityID                           string                `json:"idp_entity_id"`
	DisplayName                           string                `json:"display_name"`
	AttributeMapping                      map[string]any        `json:"attribute_mapping"`
	X509Certificate                       string                `json:"x509_certificate"`
	IdpSSOURL                             string                `json:"idp_sso_url"`
	SAMLConnectionImplicitRoleAssignments []roleAssignment      `json:"saml_connection_implicit_role_assignments"`
	SAMLGroupImplicitRoleAssignments      []groupRoleAssignment `json:"saml_group_implicit_role_assignments"`
	AlternativeAudienceURI                string                `json:"alternative_audience_uri"`
	IdentityProvider                      string                `json:"identity_provider"`
}

// PUT /v1/b2b/sso/saml/{organization_id}/connections/{connection_id}
func (e *Emulator) samlUpdate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req samlUpdateRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	return e.applySAMLUpdate(ctx, tx, r, &req)
}

// applySAMLUpdate validates req, applies it to the path's connection and saves it.
func (e *Emulator) applySAMLUpdate(ctx context.Context, tx *sql.Tx, r *http.Request, req *samlUpdateRequest) (map[string]any, error) {
	o, err := e.ssoCaller(ctx, tx, r, "update")
	if err != nil {
		return nil, err
	}
	conn, err := orgConn(ctx, tx, o, r.PathValue("connection_id"), "saml", errSAMLConnNotFound)
	if err != nil {
		return nil, err
	}
	c := conn.SAML
	if req.IdentityProvider != "" {
		if c.IdentityProvider, err = checkIdP(req.IdentityProvider); err != nil {
			return nil, err
		}
	}
	if req.IdpSSOURL != "" {
		if err := checkIdPURL(req.IdpSSOURL); err != nil {
			return nil, err
		}
		c.IdpSSOURL = req.IdpSSOURL
	}
	if req.AttributeMapping != nil {
		if err := checkSAMLMapping(req.AttributeMapping); err != nil {
			return nil, err
		}
		c.AttributeMapping = req.AttributeMapping
	}
	if req.SAMLGroupImplicitRoleAssignments != nil {
		if _, ok := c.AttributeMapping["groups"]; !ok && len(req.SAMLGroupImplicitRoleAssignments) > 0 {
			return nil, errSAMLGroupsKey
		}
	}
	if err := e.checkImplicitRoles(o, req.SAMLConnectionImplicitRoleAssignments, req.SAMLGroupImplicitRoleAssignments); err != nil {
		return nil, err
	}
	if req.X509Certificate != "" {
		if c.VerificationCertificates, err = addVerificationCert(c.VerificationCertificates, req.X509Certificate); err != nil {
			return nil, err
		}
	}
	setIfGiven(&c.IdpEntityID, req.IdpEntityID)
	setIfGiven(&c.DisplayName, req.DisplayName)
	setIfGiven(&c.AlternativeAudienceURI, req.AlternativeAudienceURI)
	if req.SAMLConnectionImplicitRoleAssignments != nil {
		c.SAMLConnectionImplicitRoleAssignments = req.SAMLConnectionImplicitRoleAssignments
	}
	if req.SAMLGroupImplicitRoleAssignments != nil {
		c.SAMLGroupImplicitRoleAssignments = req.SAMLGroupImplicitRoleAssignments
	}
	c.activate()
	if err := saveConn(ctx, tx, conn); err != nil {
		return nil, err
	}
	if err := e.syncOrgSSO(ctx, tx, o); err != nil {
		return nil, err
	}
	return map[string]any{"connection": c}, nil
}

// checkIdPURL: an absolute https URL, or http on a loopback host (the emulated IdP).
func checkIdPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return errSAMLSSOURL
	}
	if u.Scheme == "http" && !loopbackURL(u) {
		return errSAMLSSOURLNotHTTPS
	}
	return nil
}

// checkSAMLMapping: flat string values, email, and full_name or first_name + last_name.
func checkSAMLMapping(m map[string]any) error {
	if len(m) == 0 {
		return errSAMLMappingRequired
	}
	for _, v := range m {
		if _, ok := v.(string); !ok {
			return errSAMLNestedMapping
		}
	}
	str := func(k string) bool { s, _ := m[k].(string); return s != "" }
	if !str("email") {
		return errSAMLEmailMapping
	}
	if !str("full_name") && !(str("first_name") && str("last_name")) {
		return errSAMLNameMapping
	}
	return nil
}

// checkImplicitRoles: every implicitly assigned role exists (project policy or organization).
func (e *Emulator) checkImplicitRoles(o *organization, conn []roleAssignment, groups []groupRoleAssignment) error {
	var ids []string
	for _, a := range conn {
		ids = append(ids, a.RoleID)
	}
	for _, a := range groups {
		if a.Group == "" {
			return newAPIError(400, "invalid_saml_group_implicit_role_assignment", "Each group implicit role assignment needs a group.")
		}
		ids = append(ids, a.RoleID)
	}
	return e.checkRoles(o, ids)
}

// addVerificationCert parses a PEM certificate and adds it (once) to certs.
func addVerificationCert(certs []x509Cert, pemText string) ([]x509Cert, error) {
	cert, err := parsePEMCert(pemText)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(cert.Raw)
	id := "saml-verification-key-test-" + hex.EncodeToString(sum[:16])
	if slices.ContainsFunc(certs, func(c x509Cert) bool { return c.CertificateID == id }) {
		return certs, nil
	}
	if len(certs) >= maxVerifCerts {
		return nil, errTooManyCerts
	}
	return append(certs, x509Cert{CertificateID: id, Issuer: cert.Issuer.String(),
		Certificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})),
		CreatedAt:   ts(cert.NotBefore), ExpiresAt: ts(cert.NotAfter)}), nil
}

func parsePEMCert(pemText string) (*x509.Certificate, error) {
	block, rest := pem.Decode([]byte(strings.TrimSpace(pemText)))
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) > 0 {
		return nil, errX509
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, errX509
	}
	return cert, nil
}

// DELETE …/saml/{organization_id}/connections/{connection_id}/verification_certificates/{certificate_id}
func (e *Emulator) samlDeleteCert(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	o, err := e.ssoCaller(ctx, tx, r, "delete")
	if err != nil {
		return nil, err
	}
	conn, err := orgConn(ctx, tx, o, r.PathValue("connection_id"), "saml", errSAMLConnNotFound)
	if err != nil {
		return nil, err
	}
	c, id := conn.SAML, r.PathValue("certificate_id")
	i := slices.IndexFunc(c.VerificationCertificates, func(x x509Cert) bool { return x.CertificateID == id })
	if i < 0 {
		return nil, errCertNotFound
	}
	if c.Status == "active" && len(c.VerificationCertificates) == 1 {
		return nil, errLastCert
	}
	c.VerificationCertificates = slices.Delete(c.VerificationCertificates, i, i+1)
	if err := saveConn(ctx, tx, conn); err != nil {
		return nil, err
	}
	return map[string]any{"certificate_id": id}, nil
}
