package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// An organization's own sign-in page, GET /org/{slug}: its name and logo and only the methods
// it accepts (SSO, an email link for it alone). An unknown slug is the same friendly 404 as a
// malformed one, so the page says no more than Stytch's answer about which slugs exist.

// noticeOrgLinkSent is the org page's ?notice= after a link was sent.
const noticeOrgLinkSent = "link-sent"

// OrgPage handles GET /org/{slug}.
func (h *SSO) OrgPage(w http.ResponseWriter, r *http.Request) {
	face, ok := h.orgFace(w, r)
	if !ok {
		return
	}
	d := h.orgPageData(face)
	if r.URL.Query().Get("notice") == noticeOrgLinkSent {
		d.Sent = h.state.email(r.Context())
		d.Email = d.Sent
		if d.Mailbox != "" && d.Sent != "" {
			d.Mailbox += "?to=" + url.QueryEscape(d.Sent)
		}
	}
	h.re.render(w, r, http.StatusOK, fmt.Sprintf(fmtTitleOrgPage, face.Name), views.OrgPageFragment(d))
}

// OrgLoginSubmit handles POST /org/{slug}/login (email): a sign-in link for this organization
// alone (rate limited like every link), then the page again saying where it went.
func (h *SSO) OrgLoginSubmit(w http.ResponseWriter, r *http.Request) {
	face, ok := h.orgFace(w, r)
	if !ok {
		return
	}
	p := postForm{r: r}
	typed := p.value(views.FieldEmail)
	if p.err != nil {
		h.re.fail(w, r, p.err)
		return
	}
	if !face.Accepts("magic_link") {
		h.re.fail(w, r, fmt.Errorf("organization %s refuses email links: %w", face.ID, ErrNotFound))
		return
	}
	d := h.orgPageData(face)
	email, problem := parseEmail(typed)
	if problem != "" {
		d.Email, d.Error = typed, problem
		h.re.render(w, r, http.StatusUnprocessableEntity, fmt.Sprintf(fmtTitleOrgPage, face.Name), views.OrgPageFragment(d))
		return
	}
	ctx, ip := r.Context(), h.auth.clientIP(r)
	if err := h.auth.byIP.Allow(ctx, ip); err != nil {
		h.re.fail(w, r, err)
		return
	}
	if err := h.auth.byEmail.Allow(ctx, email); err != nil {
		h.auth.byIP.Undo(ctx, ip)
		h.re.fail(w, r, err)
		return
	}
	if err := h.stytch.SendOrgLoginEmail(ctx, face.ID, email, h.landingURL); err != nil {
		h.auth.byEmail.Undo(ctx, email)
		h.auth.byIP.Undo(ctx, ip)
		if errors.Is(err, stytchb2b.ErrEmailInvalid) {
			d.Email, d.Error = email, msgEmailRefused
			h.re.render(w, r, http.StatusUnprocessableEntity, fmt.Sprintf(fmtTitleOrgPage, face.Name), views.OrgPageFragment(d))
			return
		}
		h.re.fail(w, r, err)
		return
	}
	h.state.setSent(ctx, email, false)
	redirect(w, r, "/org/"+url.PathEscape(face.Slug)+"?notice="+noticeOrgLinkSent)
}

// orgFace reads the organization of the page's slug, or answers the request itself.
func (h *SSO) orgFace(w http.ResponseWriter, r *http.Request) (stytchb2b.OrgFace, bool) {
	slug := r.PathValue("slug")
	if !validSlug(slug) {
		h.re.fail(w, r, fmt.Errorf("org page %q: %w", shorten(slug), ErrOrgPageNotFound))
		return stytchb2b.OrgFace{}, false
	}
	face, err := h.stytch.OrgPage(r.Context(), slug)
	if errors.Is(err, stytchb2b.ErrOrgNotFound) {
		err = fmt.Errorf("org page: %w: %w", ErrOrgPageNotFound, err)
	}
	if err != nil {
		h.re.fail(w, r, err)
		return stytchb2b.OrgFace{}, false
	}
	return face, true
}

func (h *SSO) orgPageData(face stytchb2b.OrgFace) views.OrgPageData {
	d := views.OrgPageData{OrgID: face.ID, Name: face.Name, Slug: face.Slug, LogoURL: face.LogoURL, Link: face.Accepts("magic_link"), Mailbox: h.auth.mailboxURL}
	if face.AcceptsSSO() && h.oauth.PublicToken != "" {
		d.SSO = buttonsOf(face.SSO)
	}
	for _, m := range face.Methods {
		if m != "magic_link" && (m != authMethodSSO || len(d.SSO) == 0) {
			d.Others = append(d.Others, primaryMethods([]string{m})...)
		}
	}
	return d
}
