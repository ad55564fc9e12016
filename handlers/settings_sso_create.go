package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// New SSO connections on /settings/sso: the SAML and OIDC forms, checked before Stytch is asked.

// parseSAML reads the new SAML connection form.
func parseSAML(r *http.Request) (views.SAMLFormData, error) {
	p := postForm{r: r}
	f := views.SAMLFormData{
		Name: strings.TrimSpace(p.value(views.FieldDisplayName)), MetadataURL: strings.TrimSpace(p.value(views.FieldMetadataURL)),
		EntityID: strings.TrimSpace(p.value(views.FieldIdPEntityID)), SSOURL: strings.TrimSpace(p.value(views.FieldIdPSSOURL)),
		Certificate: strings.TrimSpace(p.value(views.FieldCertificate)),
		MapEmail:    strings.TrimSpace(p.value(views.FieldMapEmail)), MapName: strings.TrimSpace(p.value(views.FieldMapName)),
		MapGroups: strings.TrimSpace(p.value(views.FieldMapGroups)),
	}
	errs := views.FieldErrors{}
	nameProblem(f.Name, errs)
	byHand := f.EntityID != "" || f.SSOURL != "" || f.Certificate != ""
	switch {
	case f.MetadataURL != "" && !validHTTPURL(f.MetadataURL):
		errs[views.FieldMetadataURL] = msgSSOURLInvalid
	case f.MetadataURL == "" && !byHand:
		errs[views.FieldMetadataURL] = msgSSOSAMLNeedsOne
	case f.MetadataURL == "":
		if f.EntityID == "" {
			errs[views.FieldIdPEntityID] = msgSSOSAMLNeedsOne
		}
		if !validHTTPURL(f.SSOURL) {
			errs[views.FieldIdPSSOURL] = msgSSOURLInvalid
		}
		if !strings.HasPrefix(f.Certificate, "-----BEGIN CERTIFICATE-----") {
			errs[views.FieldCertificate] = msgSSOCertInvalid
		}
	}
	if f.MapEmail == "" {
		errs[views.FieldMapEmail] = msgSSOMappingEmpty
	}
	if len(errs) > 0 {
		f.Errors = errs
	}
	return f, p.err
}

// setup is the form as the adapter's SAMLSetup.
func samlSetup(f views.SAMLFormData) stytchb2b.SAMLSetup {
	m := map[string]string{"email": f.MapEmail}
	if f.MapName != "" {
		m["full_name"] = f.MapName
	}
	if f.MapGroups != "" {
		m["groups"] = f.MapGroups
	}
	return stytchb2b.SAMLSetup{MetadataURL: f.MetadataURL, EntityID: f.EntityID, SSOURL: f.SSOURL, Certificate: f.Certificate, Mapping: m}
}

// nameProblem checks a connection's display name.
func nameProblem(name string, errs views.FieldErrors) {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		errs[views.FieldDisplayName] = msgSSONameEmpty
	case n > 128:
		errs[views.FieldDisplayName] = msgSSONameTooLong
	}
}

// validHTTPURL reports whether s is an absolute http(s) URL.
func validHTTPURL(s string) bool {
	scheme, rest, ok := strings.Cut(s, "://")
	return ok && (scheme == "https" || scheme == "http") && rest != "" && !strings.ContainsAny(s, " \t\n\"<>")
}

// SAMLSubmit handles POST /settings/sso/saml (display_name; idp_metadata_url, or idp_entity_id,
// idp_sso_url and x509_certificate; the attribute mapping): a SAML connection, completed.
func (h *SSOSetup) SAMLSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	f, err := parseSAML(r)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	if f.Errors == nil {
		var conn stytchb2b.SSOConnection
		conn, err = h.stytch.CreateSAML(r.Context(), m.Token, m.Org.ID, f.Name, samlSetup(f))
		switch {
		case errors.Is(err, stytchb2b.ErrSSOMetadata):
			f.Errors = views.FieldErrors{views.FieldMetadataURL: msgSSOMetadata}
		case errors.Is(err, stytchb2b.ErrSSOConfigInvalid):
			f.Errors = views.FieldErrors{views.FieldIdPEntityID: msgSSOConfigRefused}
		case err != nil:
			h.re.fail(w, r, err)
			return
		default:
			h.created(w, r, conn, "")
			return
		}
		h.re.log.Info("saml connection refused", "org", m.Org.ID, "err", err)
	}
	h.re.invalid(w, r, views.SAMLForm(f, h.local.SAMLMetadataURL != ""), func(status int) {
		if d, ok := h.data(w, r, m); ok {
			d.SAML = f
			h.render(w, r, status, d)
		}
	})
}

// created confirms a new connection on the page (with Stytch's warning, if any).
func (h *SSOSetup) created(w http.ResponseWriter, r *http.Request, conn stytchb2b.SSOConnection, warning string) {
	state := msgSSOPendingNow
	if conn.Active {
		state = msgSSOActiveNow
	}
	text := fmt.Sprintf(fmtSSOCreated, conn.Name, state)
	if warning != "" {
		text += " " + fmt.Sprintf(fmtSSOWarning, warning)
	}
	h.re.confirm(r.Context(), noticeSSOSaved, text)
	redirect(w, r, "/settings/sso?notice="+noticeSSOSaved)
}

// OIDCSubmit handles POST /settings/sso/oidc (display_name, issuer, client_id, client_secret).
func (h *SSOSetup) OIDCSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	p := postForm{r: r}
	f := views.OIDCFormData{
		Name: strings.TrimSpace(p.value(views.FieldDisplayName)), Issuer: strings.TrimSpace(p.value(views.FieldIssuer)),
		ClientID: strings.TrimSpace(p.value(views.FieldClientID)), ClientSecret: strings.TrimSpace(p.value(views.FieldClientSecret)),
	}
	if p.err != nil {
		h.re.fail(w, r, p.err)
		return
	}
	errs := views.FieldErrors{}
	nameProblem(f.Name, errs)
	switch {
	case f.Issuer == "":
		errs[views.FieldIssuer] = msgSSOIssuerEmpty
	case !validHTTPURL(f.Issuer):
		errs[views.FieldIssuer] = msgSSOURLInvalid
	}
	if f.ClientID == "" || f.ClientSecret == "" {
		errs[views.FieldClientID] = msgSSOClientEmpty
	}
	if len(errs) == 0 {
		conn, warning, err := h.stytch.CreateOIDC(r.Context(), m.Token, m.Org.ID, f.Name, stytchb2b.OIDCSetup{Issuer: f.Issuer, ClientID: f.ClientID, ClientSecret: f.ClientSecret})
		switch {
		case errors.Is(err, stytchb2b.ErrSSOConfigInvalid):
			h.re.log.Info("oidc connection refused", "org", m.Org.ID, "err", err)
			errs[views.FieldIssuer] = msgSSOConfigRefused
		case err != nil:
			h.re.fail(w, r, err)
			return
		default:
			h.created(w, r, conn, warning)
			return
		}
	}
	f.Errors = errs
	f.ClientSecret = "" // never sent back to the page
	h.re.invalid(w, r, views.OIDCForm(f, h.local.SAMLMetadataURL != ""), func(status int) {
		if d, ok := h.data(w, r, m); ok {
			d.OIDC = f
			h.render(w, r, status, d)
		}
	})
}
