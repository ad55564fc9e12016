package handlers

import (
	"errors"
	"net/http"

	"github.com/orgpick/orgpick/stytchb2b"
)

// codeSubmit reads the code of factor f and spends it (f.verify): Stytch's session ends the
// step; a malformed or refused code stays on the page by its field (422).
func (h *MFA) codeSubmit(w http.ResponseWriter, r *http.Request, f *factor) {
	p, ok := h.open(w, r)
	if !ok {
		return
	}
	form, errs, ok := h.re.readFactorForm(w, r, f, f.field)
	if !ok {
		return
	}
	if errs != nil {
		h.render(w, r, http.StatusUnprocessableEntity, p, refusal{method: f.method, errors: errs})
		return
	}
	ctx, step, who := r.Context(), secretKey(p.IST), whoKey(p.Org.ID, p.MemberID)
	if wait := h.limits.guesses.wait(ctx, step, who); wait > 0 {
		h.re.waitPage(w, r, wait, titleTooManyCodes, msgWaitCodes, "/mfa", msgBackToStep)
		return
	}
	s, codes, err := f.verify(h, ctx, p, form.Code)
	h.limits.guesses.counted(ctx, step, who, err)
	if errors.Is(err, stytchb2b.ErrTOTPSetupExpired) { // the page offers a new setup
		p.Setup = nil
		h.state.putMFA(r.Context(), p)
	}
	if h.refused(w, r, p, formField{f: f, name: f.field}, err) {
		return
	}
	h.finish(w, r, p, s, codes)
}

// open is pending for the forms: a step that needs another primary method first takes none.
func (h *MFA) open(w http.ResponseWriter, r *http.Request) (MFAPending, bool) {
	p, ok := h.pending(w, r)
	if ok && p.PrimaryRequired != nil {
		redirect(w, r, "/mfa")
		return MFAPending{}, false
	}
	return p, ok
}

// refused answers a failed MFA call made from field and reports whether it did: an expired
// step starts over; a refusal about what was typed stays on the page with a 422 and the
// sentence by the field; anything else fails.
func (h *MFA) refused(w http.ResponseWriter, r *http.Request, p MFAPending, field formField, err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, stytchb2b.ErrChoiceExpired) {
		h.expired(w, r)
		return true
	}
	rf, ok := refuse(field, err)
	if !ok {
		h.re.fail(w, r, err)
		return true
	}
	h.re.log.Info("second sign-in step refused", "org", p.Org.ID, "form", field.f.form, "err", err)
	h.render(w, r, http.StatusUnprocessableEntity, p, rf)
	return true
}

// finish signs the member in once Stytch accepted the second factor (signer.signedIn: the
// session it replaces is revoked). codes, the recovery codes of a new authenticator app, are
// kept server-side and shown once before the dashboard.
func (h *MFA) finish(w http.ResponseWriter, r *http.Request, p MFAPending, s stytchb2b.Session, codes []string) {
	ctx := r.Context()
	others := p.Others
	if p.ListOrgs {
		var err error
		if others, err = h.stytch.ListOrgs(ctx, s.Token); err != nil {
			h.re.log.Warn("list organizations failed", "org", s.Org.ID, "err", err) // the switcher can wait
		}
	}
	next := "/dashboard"
	if len(codes) > 0 {
		h.state.putCodes(ctx, newCodes{Codes: codes, Next: next, MemberID: s.MemberID, OrgID: s.Org.ID})
		next = "/mfa/recovery-codes"
	}
	h.signer.finishTo(w, r, memberFrom(s, p.Email, others), next)
}
