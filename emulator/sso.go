package emulator

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Enterprise SSO (issue 23): Stytch's SSO connection API (this file, sso_saml.go,
// sso_oidc.go), the browser flow (sso_flow.go: start, callbacks, authenticate), the checks a
// careful SP makes (sso_saml_verify.go, sso_oidc_rp.go) and the emulated identity providers
// (idp_saml.go, idp_oidc.go). SQL: store_sso.go. Routes: routes.go.

const (
	resSSO = "stytch.sso"

	ssoStartLifetime = 10 * time.Minute // a start's RelayState / state (choice)
	ssoTokenLifetime = 10 * time.Minute // the sso token the callback returns (choice)
	maxVerifCerts    = 5
)

var (
	errSSOConnNotFound  = newAPIError(404, "sso_connection_not_found", "The SSO connection could not be found in this organization.")
	errSAMLConnNotFound = newAPIError(404, "saml_connection_not_found", "The SAML connection could not be found in this organization.")
	errOIDCConnNotFound = newAPIError(404, "oidc_connection_not_found", "The OIDC connection could not be found in this organization.")
	errInvalidSSOIdP    = newAPIError(400, "invalid_sso_idp", "identity_provider must be one of Stytch's supported identity providers.")
	errDeleteDefault    = newAPIError(400, "cannot_delete_default_sso_connection",
		"The organization's default SSO connection cannot be deleted while it has other connections: make another one the default first.")
	errInvalidDefaultConn = newAPIError(400, "invalid_sso_default_connection_id",
		"sso_default_connection_id must name an active SSO connection of this organization.")
)

// ssoIdPs are the identity_provider values of stytch-go v16.0.0 (SAML and OIDC share them).
var ssoIdPs = []string{"classlink", "cyberark", "duo", "generic", "google-workspace", "jumpcloud", "keycloak",
	"miniorange", "microsoft-entra", "okta", "onelogin", "pingfederate", "rippling", "salesforce", "shibboleth"}

func checkIdP(v string) (string, error) {
	if v == "" {
		return "generic", nil
	}
	if !slices.Contains(ssoIdPs, v) {
		return "", errInvalidSSOIdP
	}
	return v, nil
}

// createRequest is the body of a SAML or OIDC connection create, authorized (stytch.sso
// create) for the path's organization, its identity_provider checked (default generic).
type createRequest struct {
	DisplayName      string `json:"display_name"`
	IdentityProvider string `json:"identity_provider"`
}

func (e *Emulator) createRequest(ctx context.Context, tx *sql.Tx, r *http.Request) (*organization, createRequest, error) {
	var req createRequest
	if err := decode(r, &req); err != nil {
		return nil, req, err
	}
	o, err := e.ssoCaller(ctx, tx, r, "create")
	if err != nil {
		return nil, req, err
	}
	req.IdentityProvider, err = checkIdP(req.IdentityProvider)
	return o, req, err
}

// ssoIdentity is what an identity provider vouched for, carried by an sso token from the
// callback to sso/authenticate.
type ssoIdentity struct {
	ConnectionID string         `json:"connection_id"`
	OrgID        string         `json:"org_id"`
	Kind         string         `json:"kind"` // saml or oidc
	Email        string         `json:"email"`
	Name         string         `json:"name"`
	ExternalID   string         `json:"external_id"`
	Groups       []string       `json:"groups"`
	Attributes   map[string]any `json:"attributes"`
}

// loopbackOnly serves the emulated identity providers only to loopback peers: they are a
// development aid that signs anyone in as anyone.
func loopbackOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			http.Error(w, "The emulated identity provider only serves loopback clients.", http.StatusForbidden)
			return
		}
		h(w, r)
	}
}

// baseURL is the emulator's own origin as the caller reached it (the SDK's base URL): the
// origin of the ACS / redirect URLs it hands out and of the emulated identity providers.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func callbackURL(r *http.Request, connID string) string {
	return baseURL(r) + "/v1/b2b/sso/callback/" + connID
}

// setIfGiven sets *dst to v unless v is empty (the SDK omits fields left empty).
func setIfGiven(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// ssoCaller loads the path's organization and authorizes a member-session caller for action
// on stytch.sso.
func (e *Emulator) ssoCaller(ctx context.Context, tx *sql.Tx, r *http.Request, action string) (*organization, error) {
	o, caller, err := e.orgAndCaller(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	return o, e.authorize(caller, o, resSSO, action)
}

// orgConn returns the path's connection when it belongs to o (kind "" = any kind), else notFound.
func orgConn(ctx context.Context, q querier, o *organization, id, kind string, notFound *apiError) (*ssoConn, error) {
	c, err := getConn(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if c == nil || c.OrgID != o.OrganizationID || (kind != "" && c.Kind != kind) {
		return nil, notFound
	}
	return c, nil
}

// GET /v1/b2b/sso/{organization_id}
func (e *Emulator) ssoGetConnections(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	o, err := e.ssoCaller(ctx, tx, r, "get")
	if err != nil {
		return nil, err
	}
	conns, err := connsOfOrg(ctx, tx, o.OrganizationID)
	if err != nil {
		return nil, err
	}
	saml, oidc := []any{}, []any{}
	for _, c := range conns {
		if c.SAML != nil {
			saml = append(saml, c.SAML)
		} else {
			oidc = append(oidc, c.OIDC)
		}
	}
	return map[string]any{"saml_connections": saml, "oidc_connections": oidc, "external_connections": []any{}}, nil
}

// DELETE /v1/b2b/sso/{organization_id}/connections/{connection_id}
func (e *Emulator) ssoDeleteConnection(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	o, err := e.ssoCaller(ctx, tx, r, "delete")
	if err != nil {
		return nil, err
	}
	c, err := orgConn(ctx, tx, o, r.PathValue("connection_id"), "", errSSOConnNotFound)
	if err != nil {
		return nil, err
	}
	if o.SSODefaultConnectionID != nil && *o.SSODefaultConnectionID == c.ID {
		conns, err := connsOfOrg(ctx, tx, o.OrganizationID)
		if err != nil {
			return nil, err
		}
		if len(conns) > 1 {
			return nil, errDeleteDefault
		}
	}
	if err := deleteConn(ctx, tx, c.ID); err != nil {
		return nil, err
	}
	o.SSOJITProvisioningAllowedConnections = slices.DeleteFunc(o.SSOJITProvisioningAllowedConnections, func(id string) bool { return id == c.ID })
	if err := e.syncOrgSSO(ctx, tx, o); err != nil {
		return nil, err
	}
	return map[string]any{"connection_id": c.ID}, nil
}

// syncOrgSSO recomputes the organization's sso_active_connections and default connection from
// its connections and saves it. The first connection to become active becomes the default
// when there is none; a deleted default is cleared (choices: Stytch's docs are silent).
func (e *Emulator) syncOrgSSO(ctx context.Context, tx *sql.Tx, o *organization) error {
	conns, err := connsOfOrg(ctx, tx, o.OrganizationID)
	if err != nil {
		return err
	}
	active := []any{}
	var ids, activeIDs []string
	for _, c := range conns {
		ids = append(ids, c.ID)
		status, name, idp := connSummary(c)
		if status == "active" {
			activeIDs = append(activeIDs, c.ID)
			active = append(active, map[string]any{"connection_id": c.ID, "display_name": name, "identity_provider": idp})
		}
	}
	o.SSOActiveConnections = active
	if o.SSODefaultConnectionID != nil && !slices.Contains(ids, *o.SSODefaultConnectionID) {
		o.SSODefaultConnectionID = nil
	}
	if o.SSODefaultConnectionID == nil && len(activeIDs) > 0 {
		id := activeIDs[0]
		o.SSODefaultConnectionID = &id
	}
	now := e.now()
	o.UpdatedAt = ts(now)
	return saveOrg(ctx, tx, o, now)
}

func connSummary(c *ssoConn) (status, name, idp string) {
	if c.SAML != nil {
		return c.SAML.Status, c.SAML.DisplayName, c.SAML.IdentityProvider
	}
	return c.OIDC.Status, c.OIDC.DisplayName, c.OIDC.IdentityProvider
}

// checkOrgSSOSettings validates an organization update's SSO fields against the
// organization's connections: the default must be one of its active connections.
func checkOrgSSOSettings(ctx context.Context, q querier, o *organization, s *orgSettings) error {
	if s.SSODefaultConnectionID == nil {
		return nil
	}
	c, err := getConn(ctx, q, *s.SSODefaultConnectionID)
	if err != nil {
		return err
	}
	if c == nil || c.OrgID != o.OrganizationID {
		return errInvalidDefaultConn
	}
	if status, _, _ := connSummary(c); status != "active" {
		return errInvalidDefaultConn
	}
	id := c.ID
	o.SSODefaultConnectionID = &id
	return nil
}

// Outbound fetches (SAML metadata, OIDC discovery, token, JWKS, userinfo) are made with the
// state lock released, since the target may be this emulator's own identity provider.

var fetchClient = &http.Client{
	Timeout: 5 * time.Second,
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 || !loopbackURL(req.URL) {
			return http.ErrUseLastResponse
		}
		return nil
	},
}

// loopbackURL: an http(s) URL on localhost or a loopback address — the only places an
// offline emulator fetches from.
func loopbackURL(u *url.URL) bool {
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	h := strings.ToLower(u.Hostname())
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// fetched is the result of fetchFirst's outbound GET, handed to the API function.
type fetched struct {
	URL    string
	Body   []byte
	Err    error // the fetch failed (refused, unreachable, not 200, not loopback)
	Absent bool  // the request named no URL
}

type fetchedKey struct{}

// fetchFirst serves an API call whose body names a URL to fetch: after checking the API
// key it GETs the URL (urlOf picks it from the JSON body) without holding the state lock,
// then runs f as any API call (serve); f reads the result with fetchedFrom.
func (e *Emulator) fetchFirst(urlOf func([]byte) string, f apiFunc) http.HandlerFunc {
	inner := e.serve(route{call: f}) // no /v1/ pattern: the outer page route counted the call
	return func(w http.ResponseWriter, r *http.Request) {
		if err := e.checkAuth(r); err != nil {
			e.writeError(w, r, err)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<20))
		if err != nil {
			e.writeError(w, r, errBadJSON)
			return
		}
		res := &fetched{Absent: true}
		if raw := urlOf(body); raw != "" {
			res = fetchURL(r.Context(), raw)
		}
		r = r.WithContext(context.WithValue(r.Context(), fetchedKey{}, res))
		r.Body = io.NopCloser(bytes.NewReader(body))
		inner.ServeHTTP(w, r)
	}
}

func fetchedFrom(r *http.Request) *fetched {
	if f, ok := r.Context().Value(fetchedKey{}).(*fetched); ok {
		return f
	}
	return &fetched{Absent: true}
}

// fetchURL GETs raw (loopback only), reading at most 1 MiB.
func fetchURL(ctx context.Context, raw string) *fetched {
	res := &fetched{URL: raw}
	u, err := url.Parse(raw)
	if err != nil || !loopbackURL(u) {
		res.Err = errNotLoopback
		return res
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		res.Err = err
		return res
	}
	resp, err := fetchClient.Do(req)
	if err != nil {
		res.Err = err
		return res
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		res.Err = errFetchStatus(resp.StatusCode)
		return res
	}
	res.Body, res.Err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return res
}

type fetchError string

func (f fetchError) Error() string { return string(f) }

const errNotLoopback = fetchError("the emulator only fetches from loopback URLs (it runs offline)")

func errFetchStatus(status int) error {
	return fetchError("the server answered HTTP " + http.StatusText(status))
}
