package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// An organization that accepts only some sign-in methods (Stytch's primary_required) asks the
// person who came in another way to sign in again with one of them before it lets them in. For
// Google and Microsoft the app can do that here: the pending step's "Continue with …" starts
// the organization's own OAuth sign-in, and its landing (GET /authenticate with
// stytch_token_type=oauth, routed here by Auth) presents the step's IST with the token, so
// Stytch counts both and answers a session or the next step (MFA).

// stepUpProviders are the "Continue with …" buttons of a step that needs another primary
// method: the OAuth providers the organization accepts, when the app can start them.
func (h *MFA) stepUpProviders(p MFAPending) []views.Provider {
	if h.oauth.PublicToken == "" || p.PrimaryRequired == nil {
		return nil
	}
	var out []views.Provider
	for _, id := range stytchb2b.OAuthProviders {
		if slices.Contains(p.PrimaryRequired, stytchb2b.AuthMethod(id)) {
			out = append(out, views.Provider{ID: id, Name: providerNames[id]})
		}
	}
	return out
}

// OAuthStart handles POST /mfa/oauth/{provider} (a form): the organization of the pending step accepts
// this provider, so the browser goes to Stytch's start for that organization (PKCE verifier
// kept server-side), the step's email as the account hint.
func (h *MFA) OAuthStart(w http.ResponseWriter, r *http.Request) {
	p, ok := h.pending(w, r)
	if !ok {
		return
	}
	provider := r.PathValue("provider")
	if !slices.ContainsFunc(h.stepUpProviders(p), func(v views.Provider) bool { return v.ID == provider }) {
		h.re.fail(w, r, fmt.Errorf("step-up oauth provider %q: %w", provider, ErrNotFound))
		return
	}
	start, verifier := stytchb2b.OrgOAuthStart(stytchb2b.OrgOAuth{
		APIBase: h.oauth.APIBase, PublicToken: h.oauth.PublicToken, Provider: provider, OrgID: p.Org.ID,
		RedirectURL: h.landingURL, LoginHint: p.Email,
	})
	h.state.startOAuth(r.Context(), oauthStart{Provider: provider, Verifier: verifier, ExpiresAt: h.now().Add(oauthStartLife), OrgID: p.Org.ID})
	h.re.log.Info("organization sign-in started", "org", p.Org.ID, "provider", provider)
	http.Redirect(w, r, start, http.StatusSeeOther)
}

// FinishOAuth spends the token of the organization's own OAuth sign-in started by OAuthStart
// (Auth's landing checked the start): with the step's IST, Stytch answers a session (the
// dashboard), the next step (MFA), or a refusal. Another account than the step's keeps the
// step, with the problem said on it.
func (h *MFA) FinishOAuth(w http.ResponseWriter, r *http.Request, token, orgID, verifier string) {
	p, ok := h.pending(w, r)
	if !ok {
		return
	}
	if p.Org.ID != orgID || p.PrimaryRequired == nil {
		h.re.fail(w, r, fmt.Errorf("oauth landing for organization %s, step for %s: %w", orgID, p.Org.ID, ErrOAuthNotStarted))
		return
	}
	s, err := h.stytch.AuthenticateOAuth(r.Context(), stytchb2b.OAuthLanding{Token: token, Verifier: verifier, IST: p.IST})
	if err == nil || errors.As(err, new(*stytchb2b.MFARequiredError)) {
		h.state.forgetOAuth(r.Context()) // proved: the start is spent
	}
	h.primaryDone(w, r, p, s, err)
}

// primaryDone ends the organization's own sign-in a pending step asked for (OAuth here, SSO in
// sso.go) with what Stytch answered: the dashboard, the next step (MFA), or a refusal.
func (h *MFA) primaryDone(w http.ResponseWriter, r *http.Request, p MFAPending, s stytchb2b.Session, err error) {
	switch {
	case err == nil:
		h.finish(w, r, p, s, nil)
	case h.signer.needsMFA(w, r, err, afterStep{Others: p.Others, ListOrgs: p.ListOrgs}):
	case errors.Is(err, stytchb2b.ErrChoiceExpired):
		h.expired(w, r)
	case errors.Is(err, stytchb2b.ErrOAuthOtherAccount), errors.Is(err, stytchb2b.ErrNotEligible):
		// Another account than the step's email: Stytch refuses the pair, or that account
		// can't enter the organization at all.
		h.re.log.Info("organization sign-in refused", "org", p.Org.ID, "err", err)
		p.Problem = fmt.Sprintf(msgOtherAccount, p.Email)
		h.state.putMFA(r.Context(), p)
		redirect(w, r, "/mfa")
	default:
		h.re.fail(w, r, err)
	}
}

// primaryMethods names Stytch's auth methods (primary_required.allowed_auth_methods) in words.
func primaryMethods(methods []string) []string {
	out := []string{}
	for _, m := range methods {
		if n, ok := authMethodNames[m]; ok {
			out = append(out, n)
		} else {
			out = append(out, m)
		}
	}
	return out
}
