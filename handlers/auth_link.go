package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// Where sign-in links land: GET /authenticate keeps the token out of the address bar and
// asks for a press of Continue; POST /authenticate spends it.

// AuthenticatePage handles GET /authenticate?stytch_token_type=…&token=…, where magic links
// land. It never spends the token (email scanners open links), and it changes nothing
// server-side: it moves the token into a short-lived HttpOnly cookie and answers 303 to the
// bare /authenticate, so the token leaves the address bar and the history. That page shows a
// button that POSTs the token. Without a link it sends the person where they belong.
func (h *Auth) AuthenticatePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if typ := q.Get(views.FieldTokenType); typ == tokenDiscoveryOAuth || typ == tokenOAuth {
		h.oauthLanding(w, r, typ, q.Get(views.FieldToken))
		return
	}
	if q.Has("token") || q.Has("stytch_token_type") {
		d := views.ContinueData{TokenType: q.Get(views.FieldTokenType), Token: q.Get(views.FieldToken)}
		if err := linkParams(d.TokenType, d.Token); err != nil {
			h.re.fail(w, r, err)
			return
		}
		h.linkCookie.set(w, d.TokenType+":"+d.Token, linkCookieLife)
		http.Redirect(w, r, "/authenticate", http.StatusSeeOther)
		return
	}
	d, ok := h.linkFromCookie(r)
	if !ok {
		if _, pending := h.state.pending(r.Context()); pending {
			redirect(w, r, "/orgs")
		} else {
			redirect(w, r, "/") // the email form, or the dashboard for the signed-in
		}
		return
	}
	// The page can't know whose link this is before Stytch answers (the address this browser
	// last typed may not be it: a link can be planted), so it names none; the chooser, after
	// Continue, shows the address from Stytch's answer.
	title := titleContinue
	if d.TokenType == tokenMultiTenant {
		title = titleAcceptInvite
	}
	h.re.render(w, r, http.StatusOK, title, views.ContinueFragment(d))
}

// linkCookieLife bounds how long an opened link waits for its Continue button.
const linkCookieLife = 15 * time.Minute

// linkFromCookie reads and re-validates the opened link.
func (h *Auth) linkFromCookie(r *http.Request) (views.ContinueData, bool) {
	v, ok := h.linkCookie.value(r)
	if !ok {
		return views.ContinueData{}, false
	}
	typ, token, _ := strings.Cut(v, ":")
	if linkParams(typ, token) != nil {
		return views.ContinueData{}, false
	}
	return views.ContinueData{TokenType: typ, Token: token}, true
}

// AuthenticateSubmit handles POST /authenticate: it spends the token, keeps the IST and the
// discovered orgs server-side, and sends the browser on with 303 so no token stays in the URL.
func (h *Auth) AuthenticateSubmit(w http.ResponseWriter, r *http.Request) {
	p := postForm{r: r}
	tokenType, token := p.value(views.FieldTokenType), p.value(views.FieldToken)
	err := p.err
	if err == nil {
		err = linkParams(tokenType, token)
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.linkCookie.set(w, "", -1) // the link is spent now, whatever Stytch answers
	ctx := r.Context()
	if tokenType == tokenMultiTenant { // an invitation or organization login: straight into that org
		s, err := h.stytch.AuthenticateMagicLink(ctx, token)
		if h.signer.needsMFA(w, r, err, afterStep{ListOrgs: true, NewSignIn: true}) {
			return
		}
		if err != nil {
			h.re.fail(w, r, err)
			return
		}
		others, err := h.stytch.ListOrgs(ctx, s.Token)
		if err != nil {
			h.re.log.Warn("list organizations failed", "org", s.Org.ID, "err", err) // the switcher can wait
		}
		if _, pending := h.state.pending(ctx); !pending { // else the signer counts it with its method
			h.metrics.SignInCompleted("link") // an invitation or organization link: no chooser
		}
		h.re.confirm(ctx, "", fmt.Sprintf(fmtAccepted, s.Org.Name))
		h.signer.finish(w, r, memberFrom(s, "", others))
		return
	}
	d, err := h.stytch.AuthenticateDiscoveryLink(ctx, token)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.discovered(w, r, d, "link")
}

// discovered ends every discovery method (link, code, OAuth) the same way: the IST and the
// organizations kept server-side, the last-used one first, any earlier sign-in of this
// browser ended, then the chooser.
func (h *Auth) discovered(w http.ResponseWriter, r *http.Request, d stytchb2b.Discovery, method string) {
	ctx := r.Context()
	p := Pending{Discovery: d, Method: method, ExpiresAt: h.now().Add(istLifetime)}
	if last, err := h.lastOrgs.LastOrg(ctx, d.Email); err == nil {
		p.Orgs, p.LastID = lastFirst(p.Orgs, last), last
	}
	replaced, err := h.state.startDiscovery(ctx, p)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.signer.retire(ctx, replaced) // a new sign-in ends the one it replaces
	redirect(w, r, "/orgs")
}
