package stytchb2b

import (
	"context"
	"errors"
	"strings"

	orgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sso"
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
