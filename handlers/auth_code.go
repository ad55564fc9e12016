package handlers

import (
	"net/http"

	"github.com/orgpick/orgpick/views"
)

// Discovery with an emailed one-time code, typed into the check-your-inbox page.

// CodeSubmit handles POST /authenticate/code: the code emailed to the address this browser
// asked for. The right code leads to the chooser exactly as a link does; a wrong or expired one
// is said next to the field, and the person stays on the page.
func (h *Auth) CodeSubmit(w http.ResponseWriter, r *http.Request) {
	raw, err := formValue(r, views.FieldCode)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	ctx := r.Context()
	email := h.state.email(ctx)
	if email == "" || !h.state.sentCode(ctx) {
		redirect(w, r, "/") // no code was asked for here (or the session is gone): start over
		return
	}
	code, problem := parseOTP(raw, msgCodeFormat)
	if problem != "" {
		h.renderCheckEmail(w, r, http.StatusUnprocessableEntity, email, problem)
		return
	}
	step, who := secretKey(h.state.sm.Token(ctx)), "email:"+email
	if wait := h.guesses.wait(ctx, step, who); wait > 0 {
		h.re.waitPage(w, r, wait, titleTooManyCodes, msgWaitCodes, "/check-email", msgBackToCheckMail)
		return
	}
	d, err := h.stytch.AuthenticateDiscoveryCode(ctx, email, code)
	h.guesses.counted(ctx, step, who, err)
	if p, ok := problemOf(err, emailCodeProblems); ok {
		h.re.log.Info("discovery code refused", "err", err)
		h.renderCheckEmail(w, r, http.StatusUnprocessableEntity, email, p.msg)
		return
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.discovered(w, r, d, "code")
}
