package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// SettingsAdmin is what Settings needs of the Stytch adapter.
type SettingsAdmin interface {
	OrgSettings(ctx context.Context, sessionToken string) (stytchb2b.OrgSettings, error) // read with the member's session
	UpdateOrgSettings(ctx context.Context, sessionToken, orgID string, s stytchb2b.OrgSettings) (stytchb2b.OrgSettings, error)
	UpdateMFASettings(ctx context.Context, sessionToken, orgID, policy string, methods []string) error // settings_mfa.go
	OrgAdmin                                                                                           // profile, sign-in methods, deletion (settings_org.go)
}

// Settings serves who may join an organization by email domain (admins only).
type Settings struct {
	re     *responder
	stytch SettingsAdmin
}

// NewSettings returns the settings handlers.
func NewSettings(re *responder, st SettingsAdmin) *Settings { return &Settings{re: re, stytch: st} }

// SettingsPage handles GET /settings (admins): allowed email domains and joining by them.
func (h *Settings) SettingsPage(w http.ResponseWriter, r *http.Request, m Member) {
	cur, ok := h.current(w, r, m, nil)
	if !ok {
		return
	}
	d := settingsData(m, cur)
	d.Notice = h.re.notice(r)
	if d.Notice.Text != "" {
		d.NoticeFor = settingsSections[r.URL.Query().Get("notice")]
	}
	h.renderSettings(w, r, http.StatusOK, d)
}

// settingsSections places a settings notice beside the form it is about.
var settingsSections = map[string]string{
	noticeProfileSaved: "profile", noticeMethodsSaved: "methods", noticeSaved: "join", noticeMFASaved: "mfa",
}

// SettingsSubmit handles POST /settings (admins; email_allowed_domains, email_jit_provisioning).
func (h *Settings) SettingsSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	f := postForm{r: r}
	typed, jit := f.value(views.FieldAllowedDomains), f.checked(views.FieldJITByDomain)
	cur, ok := h.current(w, r, m, f.err)
	if !ok {
		return
	}
	d := settingsData(m, cur)
	d.Domains, d.JIT = typed, jit
	domains, problem := parseDomains(d.Domains)
	switch {
	case problem != "":
	case len(domains) == 0 && d.HasDomains:
		// stytch-go omits an empty list from the request, so Stytch would keep the old domains.
		problem = msgDomainsKeepOne
	case len(domains) == 0 && d.JIT:
		problem = msgDomainsNeedOne
	}
	if problem != "" {
		d.Errors = views.FieldErrors{views.FieldAllowedDomains: problem}
	} else {
		_, err := h.stytch.UpdateOrgSettings(r.Context(), m.Token, m.Org.ID, stytchb2b.OrgSettings{AllowedDomains: domains, JITByDomain: d.JIT})
		if d.Errors = fieldErrors(err, settingsProblems); d.Errors == nil && err != nil {
			h.re.fail(w, r, err)
			return
		}
		if d.Errors != nil {
			h.re.log.Info("organization settings refused", "org", m.Org.ID, "err", err)
		}
	}
	if d.Errors != nil {
		h.re.invalid(w, r, views.SettingsForm(d), func(status int) { h.renderSettings(w, r, status, d) })
		return
	}
	redirect(w, r, "/settings?notice="+noticeSaved)
}

// current reads the organization's settings as they are now, once the form read well (formErr
// nil). On either failure it has answered (fail) and reports false.
func (h *Settings) current(w http.ResponseWriter, r *http.Request, m Member, formErr error) (stytchb2b.OrgSettings, bool) {
	var cur stytchb2b.OrgSettings
	err := formErr
	if err == nil {
		cur, err = h.stytch.OrgSettings(r.Context(), m.Token)
	}
	if err != nil {
		h.re.fail(w, r, err)
		return cur, false
	}
	return cur, true
}

// rerender shows the settings page with one form as typed (fill sets it) and the rest as the
// organization has it now: the full-page path of invalid.
func (h *Settings) rerender(w http.ResponseWriter, r *http.Request, m Member, status int, fill func(*views.SettingsData)) {
	cur, ok := h.current(w, r, m, nil)
	if !ok {
		return
	}
	d := settingsData(m, cur)
	fill(&d)
	h.renderSettings(w, r, status, d)
}

func (h *Settings) renderSettings(w http.ResponseWriter, r *http.Request, status int, d views.SettingsData) {
	h.re.render(w, r, status, fmt.Sprintf(fmtTitleSettings, d.OrgName), views.SettingsFragment(d))
}

func settingsData(m Member, s stytchb2b.OrgSettings) views.SettingsData {
	d := views.SettingsData{
		OrgName: m.Org.Name, Domains: strings.Join(s.AllowedDomains, "\n"), JIT: s.JITByDomain,
		HasDomains: len(s.AllowedDomains) > 0, MaxDomains: maxAllowedDomains, MFA: mfaSettingsData(s),
	}
	if d.EmailInvites = emailInvitesWords[s.EmailInvites]; d.EmailInvites == "" {
		d.EmailInvites = emailInvitesWords[""]
	}
	orgSettingsData(&d, s)
	return d
}
