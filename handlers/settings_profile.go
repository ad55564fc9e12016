package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// ProfileSubmit handles POST /settings/profile (stytch.organization update.info.name;
// organization_name, organization_slug, organization_logo_url): rename the organization,
// change its URL name or logo. Problems with what was typed, ours or Stytch's, show next to
// the field (422).
func (h *Settings) ProfileSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	f, err := parseProfileForm(r)
	cur, ok := h.current(w, r, m, err)
	if !ok {
		return
	}
	ctx := r.Context()
	f.Errors = validateProfile(f, cur.Profile)
	if len(f.Errors) == 0 {
		org, err := h.stytch.UpdateOrgProfile(ctx, m.Token, m.Org.ID, stytchb2b.OrgProfile{Name: f.Name, Slug: f.Slug, LogoURL: f.LogoURL})
		if f.Errors = fieldErrors(err, createOrgProblems); f.Errors == nil && err != nil {
			h.re.fail(w, r, err)
			return
		}
		if err == nil { // the header and the switcher show the new name at once
			m.Org.Name, m.Org.Slug, m.Org.LogoURL = org.Name, org.Slug, org.LogoURL
			h.re.state.putMember(ctx, m)
			h.re.confirm(ctx, noticeProfileSaved, fmt.Sprintf(fmtProfileSaved, org.Name, org.Slug))
			redirect(w, r, "/settings?notice="+noticeProfileSaved)
			return
		}
		h.re.log.Info("organization profile refused", "org", m.Org.ID, "err", err)
	}
	h.re.invalid(w, r, views.ProfileForm(f), func(status int) {
		d := settingsData(m, cur)
		d.Profile = f
		h.renderSettings(w, r, status, d)
	})
}

// parseProfileForm reads the profile form, trimmed.
func parseProfileForm(r *http.Request) (views.ProfileData, error) {
	p := postForm{r: r}
	f := views.ProfileData{
		Name:    strings.TrimSpace(p.value(views.FieldOrgName)),
		Slug:    strings.TrimSpace(p.value(views.FieldOrgSlug)),
		LogoURL: strings.TrimSpace(p.value(views.FieldOrgLogoURL)),
	}
	return f, p.err
}

// validateProfile checks a profile by Stytch's rules before asking it.
func validateProfile(f views.ProfileData, cur stytchb2b.OrgProfile) views.FieldErrors {
	errs := validateOrg(f.Name, f.Slug)
	if f.Slug == "" {
		errs[views.FieldOrgSlug] = msgSlugRule
	}
	switch u, err := url.Parse(f.LogoURL); {
	case f.LogoURL == "" && cur.LogoURL != "":
		errs[views.FieldOrgLogoURL] = msgLogoKeep
	case f.LogoURL == "":
	case err != nil || u.Scheme != "https" || u.Host == "" || len(f.LogoURL) > 2048:
		errs[views.FieldOrgLogoURL] = msgLogoURL
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}
