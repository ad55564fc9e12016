package handlers

import (
	"context"
	"net/http"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// Recovery codes: one ends the second sign-in step in place of the authenticator app; the
// pages below show a new app's (or the account page's) codes once.

// RecoverySubmit handles POST /mfa/recovery (recovery_code): a recovery code ends the step in
// place of the authenticator app; it works once.
func (h *MFA) RecoverySubmit(w http.ResponseWriter, r *http.Request) {
	h.codeSubmit(w, r, factorOf(methodRecovery))
}

// verifyRecovery spends a recovery code.
func (h *MFA) verifyRecovery(ctx context.Context, p MFAPending, code string) (stytchb2b.Session, []string, error) {
	s, remaining, err := h.stytch.Recover(ctx, stytchb2b.FactorCode{Factor: p.factor(), Code: code})
	if err == nil {
		h.re.log.Info("signed in with a recovery code", "org", p.Org.ID, "remaining", remaining)
	}
	return s, nil, err
}

// recoveryStep: recovery codes stand in for the authenticator app, when verifying.
func recoveryStep(p MFAPending, mode views.MFAMode) (views.FactorForm, bool) {
	return views.FactorForm{}, mode == views.MFAVerify && p.Has(stytchb2b.MethodTOTP) && p.Allows(stytchb2b.MethodTOTP)
}

// newCodes are recovery codes to show once (a new app's, or the account page's), and where
// "I saved them" leads.
type newCodes struct {
	Codes []string `json:"codes"`
	Next  string   `json:"next"` // /dashboard or /account
	// Whose they are: shown only to that member of that organization.
	MemberID string `json:"member_id"`
	OrgID    string `json:"org_id"`
}

// codes returns the recovery codes waiting to be shown to m, if any (another member's are
// never shown).
func (s sessionState) codes(ctx context.Context, m Member) (newCodes, bool) {
	var c newCodes
	return c, s.get(ctx, keyCodes, &c) && len(c.Codes) > 0 && c.MemberID == m.MemberID && c.OrgID == m.Org.ID
}

// putCodes keeps recovery codes to show once to the member memberID of orgID.
func (s sessionState) putCodes(ctx context.Context, c newCodes) { s.put(ctx, keyCodes, c) }

// RecoveryCodesPage handles GET /mfa/recovery-codes (signed in): recovery codes to save,
// shown until the member says they are saved.
func (h *MFA) RecoveryCodesPage(w http.ResponseWriter, r *http.Request, m Member) {
	c, ok := h.state.codes(r.Context(), m)
	if !ok {
		redirect(w, r, "/dashboard")
		return
	}
	h.re.render(w, r, http.StatusOK, titleRecoveryCodes, views.RecoveryCodesFragment(views.RecoveryCodesData{
		Codes: c.Codes, Action: "/mfa/recovery-codes", Label: labelCodesSaved,
	}))
}

// RecoveryCodesSubmit handles POST /mfa/recovery-codes (signed in): "I saved them". The codes
// are forgotten here (Stytch keeps them; the account page can show them again).
func (h *MFA) RecoveryCodesSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	next := "/dashboard"
	if c, ok := h.state.codes(r.Context(), m); ok && c.Next == "/account" {
		next = c.Next
	}
	h.state.sm.Remove(r.Context(), keyCodes)
	h.signer.land(w, r, next) // a sign-in's return_to waited for the codes to be saved
}

// RecoveryCodesSubmit handles POST /account/recovery-codes (signed in): show the unused
// recovery codes once more.
func (h *Account) RecoveryCodesSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	if !h.confirmed(w, r, m) { // a factor change needs a fresh second factor
		return
	}
	codes, err := h.stytch.RecoveryCodes(r.Context(), m.Org.ID, m.MemberID)
	h.showCodes(w, r, m, codes, err)
}

// RotateSubmit handles POST /account/recovery-codes/rotate (signed in): new recovery codes;
// the old ones stop working.
func (h *Account) RotateSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	if !h.confirmed(w, r, m) { // a factor change needs a fresh second factor
		return
	}
	codes, err := h.stytch.RotateRecoveryCodes(r.Context(), m.Org.ID, m.MemberID)
	h.showCodes(w, r, m, codes, err)
}

// showCodes leads to the page that shows codes once, then back to the account page.
func (h *Account) showCodes(w http.ResponseWriter, r *http.Request, m Member, codes []string, err error) {
	if err == nil && len(codes) == 0 {
		err = stytchb2b.ErrNoTOTP
	}
	if err != nil {
		h.refused(w, r, m, totpField(), err)
		return
	}
	h.state.putCodes(r.Context(), newCodes{Codes: codes, Next: "/account", MemberID: m.MemberID, OrgID: m.Org.ID})
	redirect(w, r, "/mfa/recovery-codes")
}
