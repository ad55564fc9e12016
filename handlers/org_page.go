package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// An organization's own sign-in page, GET /org/{slug}: its name and logo and only the methods
// it accepts (SSO, an email link for it alone). An unknown slug is the same friendly 404 as a
// malformed one, so the page says no more than Stytch's answer about which slugs exist.

// The org page's ?notice= after a link or a code was sent.
const (
	noticeOrgLinkSent = "link-sent"
	noticeOrgCodeSent = "code-sent"
)

// OrgPage handles GET /org/{slug}.
func (h *SSO) OrgPage(w http.ResponseWriter, r *http.Request) {
	face, ok := h.orgFace(w, r)
	if !ok {
		return
	}
	d := h.orgPageData(face)
	if n := r.URL.Query().Get("notice"); n == noticeOrgLinkSent || n == noticeOrgCodeSent {
		h.sentData(r, &d)
	}
	h.renderOrgPage(w, r, http.StatusOK, d)
}

// sentData says on the page what was just sent, and to whom (the address this browser typed).
func (h *SSO) sentData(r *http.Request, d *views.OrgPageData) {
	d.Sent = h.state.email(r.Context())
	d.Email, d.Code = d.Sent, d.Sent != "" && h.state.sentCode(r.Context())
	if d.Mailbox != "" && d.Sent != "" {
		d.Mailbox += "?to=" + url.QueryEscape(d.Sent)
	}
}

func (h *SSO) renderOrgPage(w http.ResponseWriter, r *http.Request, status int, d views.OrgPageData) {
	h.re.render(w, r, status, fmt.Sprintf(fmtTitleOrgPage, d.Name), views.OrgPageFragment(d))
}

// OrgLoginSubmit handles POST /org/{slug}/login (email; method=code for a code): a sign-in
// link or code for this organization alone (rate limited like every link), then the page again
// saying where it went. An address the organization won't take is told the same (Stytch's
// refusal would say who is a member).
func (h *SSO) OrgLoginSubmit(w http.ResponseWriter, r *http.Request) {
	face, ok := h.orgFace(w, r)
	if !ok {
		return
	}
	p := postForm{r: r}
	typed, method := p.value(views.FieldEmail), p.value(views.FieldMethod)
	if p.err == nil && method != "" && method != views.MethodCode {
		p.err = fmt.Errorf("org sign-in method %q: %w", shorten(method), ErrBadRequest)
	}
	if p.err != nil {
		h.re.fail(w, r, p.err)
		return
	}
	code := method == views.MethodCode
	if !face.Accepts(map[bool]string{false: "magic_link", true: "email_otp"}[code]) {
		h.re.fail(w, r, fmt.Errorf("organization %s refuses email links: %w", face.ID, ErrNotFound))
		return
	}
	d := h.orgPageData(face)
	email, problem := parseEmail(typed)
	if problem != "" {
		d.Email, d.Error = typed, problem
		h.renderOrgPage(w, r, http.StatusUnprocessableEntity, d)
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
	var err error
	if code {
		err = h.stytch.SendOrgLoginCode(ctx, face.ID, email)
	} else {
		err = h.stytch.SendOrgLoginEmail(ctx, face.ID, email, h.landingURL)
	}
	switch {
	case errors.Is(err, stytchb2b.ErrNotEligible):
		h.re.log.Info("organization sign-in refused for the address", "org", face.ID) // said as sent: no membership oracle
	case errors.Is(err, stytchb2b.ErrEmailInvalid):
		h.auth.byEmail.Undo(ctx, email)
		h.auth.byIP.Undo(ctx, ip)
		d.Email, d.Error = email, msgEmailRefused
		h.renderOrgPage(w, r, http.StatusUnprocessableEntity, d)
		return
	case err != nil:
		h.auth.byEmail.Undo(ctx, email)
		h.auth.byIP.Undo(ctx, ip)
		h.re.fail(w, r, err)
		return
	}
	h.state.setSent(ctx, email, code)
	notice := map[bool]string{false: noticeOrgLinkSent, true: noticeOrgCodeSent}[code]
	redirect(w, r, "/org/"+url.PathEscape(face.Slug)+"?notice="+notice)
}

// OrgCodeSubmit handles POST /org/{slug}/code (code): the code emailed for this organization to
// the address this browser typed signs straight into it (or its MFA step).
func (h *SSO) OrgCodeSubmit(w http.ResponseWriter, r *http.Request) {
	face, ok := h.orgFace(w, r)
	if !ok {
		return
	}
	typed, err := formValue(r, views.FieldCode)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	ctx := r.Context()
	d := h.orgPageData(face)
	h.sentData(r, &d)
	if !d.Code {
		redirect(w, r, "/org/"+url.PathEscape(face.Slug))
		return
	}
	c := strings.TrimSpace(typed)
	if !sixDigits.MatchString(c) {
		d.CodeError = msgCodeFormat
		h.renderOrgPage(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	s, err := h.stytch.AuthenticateOrgCode(ctx, face.ID, d.Sent, c)
	if h.signer.needsMFA(w, r, err, afterStep{ListOrgs: true}) {
		return
	}
	if p, ok := problemOf(err, emailCodeProblems); ok {
		h.re.log.Info("organization code refused", "org", face.ID, "err", err)
		d.CodeError = p.msg
		h.renderOrgPage(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.signer.metrics.SignInCompleted("code")
	h.signer.finish(w, r, memberFrom(s, d.Sent, nil))
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
	d := views.OrgPageData{OrgID: face.ID, Name: face.Name, Slug: face.Slug, LogoURL: face.LogoURL,
		Link: face.Accepts("magic_link"), OTP: face.Accepts("email_otp"), Mailbox: h.auth.mailboxURL}
	if face.AcceptsSSO() && h.oauth.PublicToken != "" {
		d.SSO = buttonsOf(face.SSO)
	}
	for _, m := range face.Methods {
		if m != "magic_link" && m != "email_otp" && (m != authMethodSSO || len(d.SSO) == 0) {
			d.Others = append(d.Others, primaryMethods([]string{m})...)
		}
	}
	return d
}
