package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/orgpick/orgpick/store"
	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// SSOAdmin is what SSOSetup needs of the Stytch adapter: the organization's connections and SSO
// settings, every call with the admin's session (Stytch's stytch.sso permissions).
type SSOAdmin interface {
	SSOSettings(ctx context.Context, sessionToken, orgID string) (stytchb2b.SSOSettings, error)
	CreateSAML(ctx context.Context, sessionToken, orgID, name string, setup stytchb2b.SAMLSetup) (stytchb2b.SSOConnection, error)
	CreateOIDC(ctx context.Context, sessionToken, orgID, name string, setup stytchb2b.OIDCSetup) (stytchb2b.SSOConnection, string, error)
	DeleteSSOConnection(ctx context.Context, sessionToken, orgID, connID string) error
	UpdateSSOOrg(ctx context.Context, sessionToken, orgID string, u stytchb2b.SSOOrgUpdate) ([]stytchb2b.SSOConn, error)
}

// SSOSetup serves /settings/sso: admins connect their identity provider themselves.
type SSOSetup struct {
	re     *responder
	state  sessionState
	stytch SSOAdmin
	index  SSOIndex
	sso    *SSO               // starts a test sign-in
	local  stytchb2b.LocalIdP // the embedded emulator's identity providers; zero with real Stytch
}

// NewSSOSetup returns the setup page's handlers. local is zero with real Stytch.
func NewSSOSetup(re *responder, state sessionState, st SSOAdmin, index SSOIndex, sso *SSO, local stytchb2b.LocalIdP) *SSOSetup {
	return &SSOSetup{re: re, state: state, stytch: st, index: index, sso: sso, local: local}
}

// SetupPage handles GET /settings/sso (?local=1 fills the forms with the local test identity
// provider). It also refreshes the app's index of the organization's active connections.
func (h *SSOSetup) SetupPage(w http.ResponseWriter, r *http.Request, m Member) {
	d, ok := h.data(w, r, m)
	if !ok {
		return
	}
	if r.URL.Query().Get("local") == "1" && h.local.SAMLMetadataURL != "" {
		d.SAML.Name, d.SAML.MetadataURL = "Local test SAML", h.local.SAMLMetadataURL
		d.OIDC = views.OIDCFormData{Name: "Local test OIDC", Issuer: h.local.OIDCIssuer, ClientID: h.local.ClientID, ClientSecret: h.local.ClientSecret}
	}
	d.Notice = h.re.notice(r)
	var t views.SSOTestResult
	if h.state.get(r.Context(), keySSOTest, &t) {
		h.state.sm.Remove(r.Context(), keySSOTest)
		d.Test = &t
	}
	h.render(w, r, http.StatusOK, d)
}

func (h *SSOSetup) render(w http.ResponseWriter, r *http.Request, status int, d views.SSOSetupData) {
	h.re.render(w, r, status, fmt.Sprintf(fmtTitleSSOSetup, d.OrgName), views.SSOSetupFragment(d))
}

// data reads the page's state (two Stytch calls: the organization and its connections) and
// keeps the index of active connections in step with it.
func (h *SSOSetup) data(w http.ResponseWriter, r *http.Request, m Member) (views.SSOSetupData, bool) {
	ctx := r.Context()
	s, err := h.stytch.SSOSettings(ctx, m.Token, m.Org.ID)
	if err != nil {
		h.re.fail(w, r, err)
		return views.SSOSetupData{}, false
	}
	h.sync(ctx, m.Org.ID, s.Active())
	domains, err := h.index.SSODomains(ctx, m.Org.ID)
	if err != nil {
		h.re.fail(w, r, err)
		return views.SSOSetupData{}, false
	}
	own := domainOf(m.Email)
	d := views.SSOSetupData{
		OrgName: m.Org.Name, LocalIdP: h.local.SAMLMetadataURL != "",
		SAML:     views.SAMLFormData{MapEmail: "email", MapName: "name", MapGroups: "groups"},
		Domains:  views.SSODomainsData{Domains: strings.Join(domains, "\n"), Own: own},
		Settings: ssoSettingsData(s),
	}
	if len(domains) == 0 {
		d.Domains.Domains = own // prefilled with the admin's own domain
	}
	for _, c := range s.Connections {
		d.Connections = append(d.Connections, connRow(c))
	}
	return d, true
}

// sync records the organization's active connections in the app's index (a failure costs only
// the email form's lookup until the next page view: logged, not shown).
func (h *SSOSetup) sync(ctx context.Context, orgID string, active []stytchb2b.SSOConn) {
	syncIndex(ctx, h.index, h.re, orgID, active)
}

func syncIndex(ctx context.Context, index SSOIndex, re *responder, orgID string, active []stytchb2b.SSOConn) {
	rows := make([]store.SSOConn, 0, len(active))
	for _, c := range active {
		rows = append(rows, store.SSOConn{OrgID: orgID, ConnectionID: c.ID, Name: c.Name, Default: c.Default})
	}
	if err := index.SetSSOConnections(ctx, orgID, rows); err != nil {
		re.log.Warn("sso index update failed", "org", orgID, "err", err)
	}
}

func connRow(c stytchb2b.SSOConnection) views.SSOConnRow {
	row := views.SSOConnRow{
		ID: c.ID, Kind: strings.ToUpper(c.Kind), Name: c.Name, Active: c.Active, Default: c.Default,
		ACSURL: c.ACSURL, AudienceURI: c.AudienceURI, RedirectURL: c.RedirectURL, IdPEntityID: c.IdPEntityID, IdPSSOURL: c.IdPSSOURL,
		Issuer: c.Issuer, Certificates: c.Certificates, ClientID: c.ClientID, SecretSet: c.SecretSet,
	}
	keys := make([]string, 0, len(c.Mapping))
	for k := range c.Mapping {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+" → "+c.Mapping[k])
	}
	row.Mapping = strings.Join(parts, ", ")
	return row
}

func ssoSettingsData(s stytchb2b.SSOSettings) views.SSOSettingsData {
	d := views.SSOSettingsData{JIT: s.JIT, RequireSSO: s.RequireSSO, CanRequire: len(s.Active()) > 0}
	if d.JIT == "" {
		d.JIT = "ALL_ALLOWED"
	}
	for _, v := range []string{"ALL_ALLOWED", "RESTRICTED", "NOT_ALLOWED"} {
		d.JITChoices = append(d.JITChoices, views.SSOChoice{Value: v, Label: ssoJITWords[v]})
	}
	for _, c := range s.Connections {
		d.JITConns = append(d.JITConns, views.SSOJITConn{ID: c.ID, Name: c.Name, Allowed: slices.Contains(s.JITConnections, c.ID)})
	}
	return d
}

// domainOf is the domain of an address ("" for none).
func domainOf(email string) string {
	_, d, _ := strings.Cut(strings.ToLower(email), "@")
	return d
}

// connection reads the connection_id field and finds it among the organization's connections.
func (h *SSOSetup) connection(w http.ResponseWriter, r *http.Request, m Member) (stytchb2b.SSOConnection, bool) {
	id, err := formValue(r, views.FieldConnectionID)
	if err != nil {
		h.re.fail(w, r, err)
		return stytchb2b.SSOConnection{}, false
	}
	s, err := h.stytch.SSOSettings(r.Context(), m.Token, m.Org.ID)
	if err != nil {
		h.re.fail(w, r, err)
		return stytchb2b.SSOConnection{}, false
	}
	c, ok := s.Find(id)
	if !ok {
		h.re.fail(w, r, fmt.Errorf("connection %q: %w", shorten(id), stytchb2b.ErrSSOConnNotFound))
	}
	return c, ok
}

// DeleteSubmit handles POST /settings/sso/delete (connection_id), confirmed on the page.
func (h *SSOSetup) DeleteSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	c, ok := h.connection(w, r, m)
	if !ok {
		return
	}
	if err := h.stytch.DeleteSSOConnection(r.Context(), m.Token, m.Org.ID, c.ID); err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.re.confirm(r.Context(), noticeSSOSaved, fmt.Sprintf(fmtSSODeleted, c.Name))
	redirect(w, r, "/settings/sso?notice="+noticeSSOSaved)
}

// DefaultSubmit handles POST /settings/sso/default (connection_id): the connection SSO by
// organization (and this app's email lookup) uses first.
func (h *SSOSetup) DefaultSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	c, ok := h.connection(w, r, m)
	if !ok {
		return
	}
	active, err := h.stytch.UpdateSSOOrg(r.Context(), m.Token, m.Org.ID, stytchb2b.SSOOrgUpdate{DefaultConnection: c.ID})
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.sync(r.Context(), m.Org.ID, active)
	h.re.confirm(r.Context(), noticeSSOSaved, fmt.Sprintf(fmtSSODefault, c.Name))
	redirect(w, r, "/settings/sso?notice="+noticeSSOSaved)
}

// DomainsSubmit handles POST /settings/sso/domains (domains): the email domains whose people
// find this organization's SSO from the sign-in page. An admin may add only the domain of the
// address they signed in with (Stytch verified it); domains already listed may stay or go.
func (h *SSOSetup) DomainsSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	raw, err := formValue(r, views.FieldSSODomains)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	ctx := r.Context()
	cur, err := h.index.SSODomains(ctx, m.Org.ID)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	own := domainOf(m.Email)
	domains, problem := parseDomains(raw)
	if problem == "" {
		for _, d := range domains {
			if d != own && !slices.Contains(cur, d) {
				problem = fmt.Sprintf(fmtSSODomainNotYours, own, d)
				break
			}
		}
	}
	if problem != "" {
		f := views.SSODomainsData{Domains: raw, Own: own, Errors: views.FieldErrors{views.FieldSSODomains: problem}}
		h.re.invalid(w, r, views.SSODomainsForm(f), func(status int) {
			if d, ok := h.data(w, r, m); ok {
				d.Domains = f
				h.render(w, r, status, d)
			}
		})
		return
	}
	if err := h.index.SetSSODomains(ctx, m.Org.ID, domains); err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.re.log.Info("sso domains saved", "org", m.Org.ID, "count", len(domains))
	h.re.confirm(ctx, noticeSSOSaved, msgSSODomainsSaved)
	redirect(w, r, "/settings/sso?notice="+noticeSSOSaved)
}

// SettingsSubmit handles POST /settings/sso/settings (sso_jit_provisioning, sso_jit_connection
// per connection, require_sso). Requiring SSO leaves the admin's own session as it is.
func (h *SSOSetup) SettingsSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	p := postForm{r: r}
	jit, require := p.value(views.FieldSSOJIT), p.checked(views.FieldRequireSSO)
	if p.err == nil && !slices.Contains([]string{"ALL_ALLOWED", "RESTRICTED", "NOT_ALLOWED"}, jit) {
		p.err = fmt.Errorf("sso_jit_provisioning %q: %w", shorten(jit), ErrBadRequest)
	}
	if p.err != nil {
		h.re.fail(w, r, p.err)
		return
	}
	ctx := r.Context()
	cur, err := h.stytch.SSOSettings(ctx, m.Token, m.Org.ID)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	var conns []string
	for _, id := range r.PostForm[views.FieldSSOJITConns] {
		if _, ok := cur.Find(id); ok && !slices.Contains(conns, id) {
			conns = append(conns, id)
		}
	}
	f := ssoSettingsData(cur)
	f.JIT, f.RequireSSO = jit, require
	for i := range f.JITConns {
		f.JITConns[i].Allowed = slices.Contains(conns, f.JITConns[i].ID)
	}
	u := stytchb2b.SSOOrgUpdate{JIT: jit}
	if jit == "RESTRICTED" {
		u.JITConnections = conns
	}
	switch {
	case require && !cur.RequireSSO:
		u.AuthMethods, u.AllowedMethods = "RESTRICTED", []string{authMethodSSO}
	case !require && cur.RequireSSO:
		u.AuthMethods = "ALL_ALLOWED"
	}
	switch {
	case jit == "RESTRICTED" && len(conns) == 0:
		f.Errors = views.FieldErrors{views.FieldSSOJIT: msgSSONoSSOJIT}
	case require && len(cur.Active()) == 0:
		f.Errors = views.FieldErrors{views.FieldRequireSSO: msgSSORequireNoConn}
	default:
		active, err := h.stytch.UpdateSSOOrg(ctx, m.Token, m.Org.ID, u)
		if errors.Is(err, stytchb2b.ErrSettingsConflict) {
			f.Errors = views.FieldErrors{views.FieldSSOJIT: msgJITNeeded}
			break
		}
		if err != nil {
			h.re.fail(w, r, err)
			return
		}
		h.sync(ctx, m.Org.ID, active)
		h.re.log.Info("sso settings saved", "org", m.Org.ID, "jit", jit, "require_sso", require)
		h.re.confirm(ctx, noticeSSOSaved, msgSSOSettingsSaved)
		redirect(w, r, "/settings/sso?notice="+noticeSSOSaved)
		return
	}
	h.re.invalid(w, r, views.SSOSettingsForm(f), func(status int) {
		if d, ok := h.data(w, r, m); ok {
			d.Settings = f
			h.render(w, r, status, d)
		}
	})
}

// TestSubmit handles POST /settings/sso/test (connection_id): the admin signs in through the
// connection and the page then reports what the identity provider sent (sso.go's landing).
func (h *SSOSetup) TestSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	c, ok := h.connection(w, r, m)
	if !ok {
		return
	}
	if !c.Active {
		h.re.fail(w, r, fmt.Errorf("test of pending connection %s: %w", c.ID, ErrSSONotOffered))
		return
	}
	h.sso.start(w, r, ssoStart{ConnectionID: c.ID, OrgID: m.Org.ID, Test: true, TestName: c.Name})
}
