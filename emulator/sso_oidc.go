package emulator

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// OIDC connections: create (pending), update (active once issuer, client_id, client_secret
// and the four endpoint URLs are set; a new issuer is discovered through
// {issuer}/.well-known/openid-configuration, explicit URLs winning, a failed discovery only
// a warning).

// oidcConnection is the OIDCConnection wire object.
type oidcConnection struct {
	OrganizationID   string         `json:"organization_id"`
	ConnectionID     string         `json:"connection_id"`
	Status           string         `json:"status"`
	DisplayName      string         `json:"display_name"`
	RedirectURL      string         `json:"redirect_url"`
	ClientID         string         `json:"client_id"`
	ClientSecret     string         `json:"client_secret"`
	Issuer           string         `json:"issuer"`
	AuthorizationURL string         `json:"authorization_url"`
	TokenURL         string         `json:"token_url"`
	UserinfoURL      string         `json:"userinfo_url"`
	JWKSURL          string         `json:"jwks_url"`
	IdentityProvider string         `json:"identity_provider"`
	CustomScopes     string         `json:"custom_scopes"`
	AttributeMapping map[string]any `json:"attribute_mapping"`
}

func (c *oidcConnection) normalize() {
	if c.AttributeMapping == nil {
		c.AttributeMapping = map[string]any{}
	}
}

func (c *oidcConnection) activate() {
	for _, v := range []string{c.Issuer, c.ClientID, c.ClientSecret, c.AuthorizationURL, c.TokenURL, c.UserinfoURL, c.JWKSURL} {
		if v == "" {
			return
		}
	}
	c.Status = "active"
}

// POST /v1/b2b/sso/oidc/{organization_id}
func (e *Emulator) oidcCreate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	o, req, err := e.createRequest(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	id := "oidc-connection-test-" + newUUID()
	c := &oidcConnection{OrganizationID: o.OrganizationID, ConnectionID: id, Status: "pending", DisplayName: req.DisplayName,
		IdentityProvider: req.IdentityProvider, RedirectURL: callbackURL(r, id), CustomScopes: "openid email profile",
		AttributeMapping: map[string]any{"email": "email", "first_name": "given_name", "last_name": "family_name"}}
	if err := saveConn(ctx, tx, &ssoConn{ID: id, OrgID: o.OrganizationID, Kind: "oidc", Created: e.now(), OIDC: c}); err != nil {
		return nil, err
	}
	return map[string]any{"connection": c}, nil
}

type oidcUpdateRequest struct {
	DisplayName      string         `json:"display_name"`
	ClientID         string         `json:"client_id"`
	ClientSecret     string         `json:"client_secret"`
	Issuer           string         `json:"issuer"`
	AuthorizationURL string         `json:"authorization_url"`
	TokenURL         string         `json:"token_url"`
	UserinfoURL      string         `json:"userinfo_url"`
	JWKSURL          string         `json:"jwks_url"`
	IdentityProvider string         `json:"identity_provider"`
	CustomScopes     string         `json:"custom_scopes"`
	AttributeMapping map[string]any `json:"attribute_mapping"`
}

// discoveryURLOf is the discovery document URL of an update's issuer ("" without one).
func discoveryURLOf(body []byte) string {
	var req oidcUpdateRequest
	if json.Unmarshal(body, &req) != nil || req.Issuer == "" {
		return ""
	}
	return strings.TrimSuffix(req.Issuer, "/") + "/.well-known/openid-configuration"
}

// discoveryDoc is the part of an OpenID Provider's configuration the connection uses.
type discoveryDoc struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	UserinfoEndpoint      string `json:"userinfo_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
}

func errOIDCFormat(field string) *apiError {
	return newAPIError(400, "oidc_connection_"+field+"_invalid_format", field+" must be an absolute http(s) URL.")
}

// PUT /v1/b2b/sso/oidc/{organization_id}/connections/{connection_id}
func (e *Emulator) oidcUpdate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req oidcUpdateRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	o, err := e.ssoCaller(ctx, tx, r, "update")
	if err != nil {
		return nil, err
	}
	conn, err := orgConn(ctx, tx, o, r.PathValue("connection_id"), "oidc", errOIDCConnNotFound)
	if err != nil {
		return nil, err
	}
	c := conn.OIDC
	if req.IdentityProvider != "" {
		if c.IdentityProvider, err = checkIdP(req.IdentityProvider); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct{ name, v string }{{"issuer_url", req.Issuer}, {"authorization_url", req.AuthorizationURL},
		{"token_url", req.TokenURL}, {"userinfo_url", req.UserinfoURL}, {"jwks_url", req.JWKSURL}} {
		if f.v == "" {
			continue
		}
		if u, err := url.Parse(f.v); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, errOIDCFormat(f.name)
		}
	}
	if req.AttributeMapping != nil {
		for _, v := range req.AttributeMapping {
			if _, ok := v.(string); !ok {
				return nil, newAPIError(400, "oidc_connection_no_nested_keys_in_attribute_mapping", "attribute_mapping values must be claim names (strings).")
			}
		}
		c.AttributeMapping = req.AttributeMapping
	}
	warning := ""
	if req.Issuer != "" && req.Issuer != c.Issuer {
		doc, warn := discovered(fetchedFrom(r), req.Issuer)
		warning = warn
		if doc != nil {
			c.AuthorizationURL, c.TokenURL, c.UserinfoURL, c.JWKSURL = doc.AuthorizationEndpoint, doc.TokenEndpoint, doc.UserinfoEndpoint, doc.JWKSURI
		}
		c.Issuer = req.Issuer
	}
	setIfGiven(&c.DisplayName, req.DisplayName)
	setIfGiven(&c.ClientID, req.ClientID)
	setIfGiven(&c.ClientSecret, req.ClientSecret)
	setIfGiven(&c.AuthorizationURL, req.AuthorizationURL)
	setIfGiven(&c.TokenURL, req.TokenURL)
	setIfGiven(&c.UserinfoURL, req.UserinfoURL)
	setIfGiven(&c.JWKSURL, req.JWKSURL)
	setIfGiven(&c.CustomScopes, req.CustomScopes)
	c.activate()
	if err := saveConn(ctx, tx, conn); err != nil {
		return nil, err
	}
	if err := e.syncOrgSSO(ctx, tx, o); err != nil {
		return nil, err
	}
	return map[string]any{"connection": c, "warning": warning}, nil
}

// discovered reads a fetched discovery document for issuer: the document, or a warning.
func discovered(f *fetched, issuer string) (*discoveryDoc, string) {
	prefix := "Could not discover the OIDC endpoints from " + issuer + "/.well-known/openid-configuration: "
	if f.Absent || f.Err != nil {
		reason := "the request failed"
		if f.Err != nil {
			reason = f.Err.Error()
		}
		return nil, prefix + reason + ". Set authorization_url, token_url, userinfo_url and jwks_url explicitly."
	}
	var doc discoveryDoc
	if err := json.Unmarshal(f.Body, &doc); err != nil {
		return nil, prefix + "the document is not JSON."
	}
	if strings.TrimSuffix(doc.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
		return nil, prefix + "the document names another issuer (" + doc.Issuer + ")."
	}
	return &doc, ""
}
