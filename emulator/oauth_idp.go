package emulator

import (
	"context"
	"database/sql"
	"errors"
	"html/template"
	"net/http"
	"net/url"
)

// The emulated identity provider: a plain HTML page (no JavaScript) in the spirit of the
// Firebase Auth emulator, where the developer picks or types the account to sign in with.
// It is served by API() (next to /v1/) because the start URL redirects to it on the same host.

// idpPath is the emulated provider's page for provider.
func idpPath(provider string) string { return "/_emulator/oauth/" + provider }

// idpPage is what the page shows.
type idpPage struct {
	Provider oauthProvider
	Action   string
	State    string
	Email    string
	Name     string
	Error    string
	Target   string // host the browser returns to
	OrgName  string // the organization of an org-scoped sign-in ("" for discovery)
}

var idpTmpl = template.Must(template.New("idp").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to {{.Provider.Name}} (emulated)</title><link rel="icon" href="data:,">
<style>
body{font-family:system-ui,sans-serif;background:#f6f8fa;color:#1b1f24;margin:0}
main{max-width:28rem;margin:3rem auto;padding:1.5rem;background:#fff;border:1px solid #d0d7de;border-radius:.5rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #d0d7de;border-radius:.375rem}
button{margin-top:.75rem;padding:.5rem 1rem;font:inherit;font-weight:600;color:#fff;background:#0b5cad;border:0;border-radius:.375rem;cursor:pointer}
.hint{color:#57606a;font-size:.9rem}.error{color:#b42318}
</style>
</head>
<body>
<main data-testid="emulated-idp">
<h1>Sign in to {{.Provider.Name}} (emulated)</h1>
<p class="hint">This page stands in for {{.Provider.Name}}: nothing leaves this machine. Type the account to continue to {{.Target}} with{{if .OrgName}}, signing in to <strong data-testid="idp-organization">{{.OrgName}}</strong>{{end}}.</p>
{{if .Error}}<p class="error" role="alert" data-testid="idp-error">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}" data-testid="idp-form">
<input type="hidden" name="state" value="{{.State}}">
<label for="email">Email</label>
<input id="email" name="email" type="email" required autocomplete="email" value="{{.Email}}">
<label for="name">Name (optional)</label>
<input id="name" name="name" autocomplete="name" value="{{.Name}}">
<button type="submit">Continue</button>
</form>
</main>
</body>
</html>
`))

// oauthState is a started, unspent sign-in. OrgID is set for an org-scoped start (then
// Redirect is the login URL and SignupRedirect the signup URL); "" for discovery.
type oauthState struct {
	Provider, Redirect, PKCE, LoginHint, OrgID, SignupRedirect string
}

var errStateGone = errors.New("this sign-in request has expired or was already used; start again from the app")

// GET /_emulator/oauth/{provider}?state=…
func (e *Emulator) idpShow(w http.ResponseWriter, r *http.Request) {
	provider, stateTok := r.PathValue("provider"), r.URL.Query().Get("state")
	var page idpPage
	err := e.tx(r.Context(), func(tx *sql.Tx) error {
		s, err := getOAuthState(r.Context(), tx, provider, stateTok, e.now())
		if err != nil {
			return err
		}
		page, err = e.newIDPPage(r.Context(), tx, provider, stateTok, s)
		page.Email = s.LoginHint
		return err
	})
	e.renderIDP(w, r, page, err)
}

// POST /_emulator/oauth/{provider} (state, email, name): 303 back to the app's redirect URL
// with a single-use token (returnURL); a bad email re-renders (422).
func (e *Emulator) idpSubmit(w http.ResponseWriter, r *http.Request) {
	provider, stateTok := r.PathValue("provider"), r.PostFormValue("state")
	var page idpPage
	var location string
	err := e.tx(r.Context(), func(tx *sql.Tx) error {
		s, err := getOAuthState(r.Context(), tx, provider, stateTok, e.now())
		if err != nil {
			return err
		}
		email, err := normalizeEmail(r.PostFormValue("email"))
		if err != nil {
			page, _ = e.newIDPPage(r.Context(), tx, provider, stateTok, s)
			page.Email, page.Name, page.Error = r.PostFormValue("email"), r.PostFormValue("name"), "Enter a valid email address."
			return nil
		}
		if err := useOAuthState(r.Context(), tx, stateTok, e.now()); err != nil {
			return err
		}
		tok, err := e.issueOAuthToken(r.Context(), tx, newIdentity(provider, email, r.PostFormValue("name"), s))
		if err != nil {
			return err
		}
		location, err = returnURL(r.Context(), tx, s, email, tok)
		return err
	})
	if err == nil && location != "" {
		http.Redirect(w, r, location, http.StatusSeeOther)
		return
	}
	e.renderIDP(w, r, page, err)
}

// newIDPPage fills the page for a live state. It lists no addresses: the page is for whoever
// opens it, and other people's addresses are none of their business (issue 23).
func (e *Emulator) newIDPPage(ctx context.Context, q querier, provider, state string, s *oauthState) (idpPage, error) {
	page := idpPage{Provider: oauthProviders[provider], Action: idpPath(provider), State: state, Target: hostOf(s.Redirect)}
	if s.OrgID != "" {
		o, err := getOrg(ctx, q, s.OrgID)
		if err != nil {
			return page, err
		}
		page.OrgName = o.OrganizationName
	}
	return page, nil
}

// renderIDP writes the page: 200, 422 with an inline error, 400 for a dead state, 500 else.
func (e *Emulator) renderIDP(w http.ResponseWriter, r *http.Request, page idpPage, err error) {
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case errors.Is(err, errStateGone):
		http.Error(w, "Sign-in (emulated): "+err.Error()+".", http.StatusBadRequest)
		return
	case err != nil:
		e.log.Error("emulator oauth page", "err", err)
		http.Error(w, "emulated sign-in unavailable", http.StatusInternalServerError)
		return
	}
	status := http.StatusOK
	if page.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := idpTmpl.Execute(w, page); err != nil {
		e.log.Error("emulator oauth page render", "err", err)
	}
}

// hostOf is a URL's host (or the URL itself if it has none), for the page's wording.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}
