package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// Discovery with OAuth (Google, Microsoft) through Stytch's public start URL, and the landing
// of every OAuth sign-in (discovery, or an organization's own: primary_step.go).

// oauthStart is a started OAuth sign-in, kept server-side: the PKCE verifier proves the
// browser that comes back is the one that left.
type oauthStart struct {
	Provider  string    `json:"provider"`
	Verifier  string    `json:"verifier"`
	ExpiresAt time.Time `json:"expires_at"`
	// OrgID is set for an organization's own sign-in (the step an organization that accepts
	// only OAuth asks for; primary_step.go), empty for discovery.
	OrgID string `json:"org_id,omitempty"`
}

// startOAuth keeps st (replacing any earlier start: one OAuth sign-in per browser at a time).
func (s sessionState) startOAuth(ctx context.Context, st oauthStart) { s.put(ctx, keyOAuth, st) }

// startedOAuth returns the started OAuth sign-in. It is forgotten (forgetOAuth) only once a
// landing's token is proved: a junk or foreign landing (a link from another site) cancels
// nothing.
func (s sessionState) startedOAuth(ctx context.Context) (oauthStart, bool) {
	var st oauthStart
	return st, s.get(ctx, keyOAuth, &st)
}

// forgetOAuth drops the started OAuth sign-in: its landing was proved.
func (s sessionState) forgetOAuth(ctx context.Context) { s.sm.Remove(ctx, keyOAuth) }

// oauthProviderOrigins are where Stytch's OAuth start sends the browser on: the providers'
// sign-in pages.
var oauthProviderOrigins = []string{"https://accounts.google.com", "https://login.microsoftonline.com", "https://login.live.com"}

// formSources are the origins the "Continue with …" forms lead to (the CSP's form-action):
// Stytch's API origin and the providers'; none without OAuth.
func (o OAuthConfig) formSources() []string {
	if o.PublicToken == "" {
		return nil
	}
	u, err := url.Parse(o.APIBase)
	if err != nil || u.Host == "" {
		return oauthProviderOrigins
	}
	return append([]string{u.Scheme + "://" + u.Host}, oauthProviderOrigins...)
}

// oauthStartLife bounds how long a person may spend at the provider.
const oauthStartLife = 10 * time.Minute

// providers lists the "Continue with …" buttons: none without a public token.
func (h *Auth) providers() []views.Provider {
	if h.oauth.PublicToken == "" {
		return nil
	}
	var out []views.Provider
	for _, id := range stytchb2b.OAuthProviders {
		out = append(out, views.Provider{ID: id, Name: providerNames[id]})
	}
	return out
}

// OAuthStart handles POST /oauth/{provider} (a form, so no other site can start one): it keeps a PKCE verifier server-side and sends the
// browser to Stytch's discovery start for that provider, coming back to /authenticate.
func (h *Auth) OAuthStart(w http.ResponseWriter, r *http.Request) {
	provider := r.PathValue("provider")
	if h.oauth.PublicToken == "" || !slices.Contains(stytchb2b.OAuthProviders, provider) {
		h.re.fail(w, r, fmt.Errorf("oauth provider %q: %w", provider, ErrNotFound))
		return
	}
	start, verifier := stytchb2b.OAuthStart(h.oauth.APIBase, h.oauth.PublicToken, provider, h.landingURL)
	h.state.startOAuth(r.Context(), oauthStart{Provider: provider, Verifier: verifier, ExpiresAt: h.now().Add(oauthStartLife)})
	h.metrics.SignInStarted(provider)
	http.Redirect(w, r, start, http.StatusSeeOther)
}

// oauthLanding is GET /authenticate?stytch_token_type=discovery_oauth|oauth&token=…: the
// browser back from the provider. The token is spent at once (it comes from a redirect this
// browser just started, not from an email a scanner can open), with the verifier kept at the
// start. An organization's own sign-in (stytch_token_type=oauth) finishes its pending step.
// Nothing changes before Stytch proves the token: a landing with no start here, a stale start,
// or a start of the other kind is refused with the same page, and signs no one out.
func (h *Auth) oauthLanding(w http.ResponseWriter, r *http.Request, tokenType, token string) {
	ctx := r.Context()
	st, ok := h.state.startedOAuth(ctx)
	switch {
	case !tokenPattern.MatchString(token):
		h.re.fail(w, r, fmt.Errorf("oauth landing: malformed token: %w", stytchb2b.ErrOAuthExpired))
		return
	case !ok || !h.now().Before(st.ExpiresAt) || (st.OrgID != "") != (tokenType == tokenOAuth):
		h.re.fail(w, r, ErrOAuthNotStarted)
		return
	case st.OrgID != "":
		h.stepUp.FinishOAuth(w, r, token, st.OrgID, st.Verifier)
		return
	}
	d, err := h.stytch.AuthenticateDiscoveryOAuth(ctx, token, st.Verifier)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.state.forgetOAuth(ctx)
	h.discovered(w, r, d, st.Provider)
}
