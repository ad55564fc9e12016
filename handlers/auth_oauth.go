package handlers

import (
	"context"
	"fmt"
	"net/http"
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

// takeOAuth returns the started OAuth sign-in and forgets it: it serves one landing, whatever
// happens next.
func (s sessionState) takeOAuth(ctx context.Context) (oauthStart, bool) {
	var st oauthStart
	ok := s.get(ctx, keyOAuth, &st)
	s.sm.Remove(ctx, keyOAuth)
	return st, ok
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

// OAuthStart handles GET /oauth/{provider}: it keeps a PKCE verifier server-side and sends the
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
func (h *Auth) oauthLanding(w http.ResponseWriter, r *http.Request, tokenType, token string) {
	ctx := r.Context()
	st, ok := h.state.takeOAuth(ctx)
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
	h.discovered(w, r, d, st.Provider)
}
