package emulator

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
)

// apiFunc handles one API call inside a database transaction. It returns the response body
// (request_id and status_code are added) or an error (an *apiError becomes Stytch's error body).
type apiFunc func(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error)

func (e *Emulator) apiRoutes() http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, f apiFunc) { mux.Handle(pattern, e.apiHandler(f, true)) }

	route("POST /v1/b2b/magic_links/email/discovery/send", e.discoverySend)
	route("POST /v1/b2b/magic_links/discovery/authenticate", e.discoveryAuthenticate)
	route("POST /v1/b2b/discovery/intermediate_sessions/exchange", e.istExchange)
	route("POST /v1/b2b/discovery/organizations/create", e.discoveryOrgCreate)
	route("POST /v1/b2b/discovery/organizations", e.discoveryOrgList)

	route("POST /v1/b2b/sessions/authenticate", e.sessionsAuthenticate)
	route("POST /v1/b2b/sessions/exchange", e.sessionsExchange)
	route("POST /v1/b2b/sessions/revoke", e.sessionsRevoke)
	mux.Handle("GET /v1/b2b/sessions/jwks/{project_id}", e.apiHandler(e.jwks, false))

	route("POST /v1/b2b/magic_links/email/login_or_signup", e.loginOrSignup)
	route("POST /v1/b2b/magic_links/email/invite", e.invite)
	route("POST /v1/b2b/magic_links/authenticate", e.magicLinkAuthenticate)

	route("POST /v1/b2b/organizations/search", e.orgSearch)
	route("GET /v1/b2b/organizations/{organization_id}", e.orgGet)
	route("PUT /v1/b2b/organizations/{organization_id}", e.orgUpdate)
	route("GET /v1/b2b/organizations/{organization_id}/member", e.memberGet)
	route("POST /v1/b2b/organizations/members/search", e.memberSearch)
	route("DELETE /v1/b2b/organizations/{organization_id}/members/{member_id}", e.memberDelete)
	route("GET /v1/b2b/rbac/policy", e.rbacPolicy)
	route("GET /v1/b2b/sessions", e.sessionsGet)
	route("POST /v1/b2b/organizations", e.orgCreate)
	route("DELETE /v1/b2b/organizations/{organization_id}", e.orgDelete)
	route("POST /v1/b2b/organizations/{organization_id}/members", e.memberCreate)
	route("PUT /v1/b2b/organizations/{organization_id}/members/{member_id}", e.memberUpdateHandler)
	e.mfaRoutes(route)
	e.ssoRoutes(route, mux) // sso.go

	route("POST /v1/b2b/otps/email/discovery/send", e.otpDiscoverySend)
	route("POST /v1/b2b/otps/email/discovery/authenticate", e.otpDiscoveryAuthenticate)
	route("POST /v1/b2b/oauth/discovery/authenticate", e.oauthDiscoveryAuthenticate)
	route("POST /v1/b2b/oauth/authenticate", e.oauthAuthenticate)
	mux.HandleFunc("GET /v1/b2b/public/oauth/{provider}/discovery/start", e.oauthDiscoveryStart)
	mux.HandleFunc("GET /v1/b2b/public/oauth/{provider}/start", e.oauthOrgStart)
	mux.HandleFunc("GET /_emulator/oauth/{provider}", e.idpShow) // the emulated provider (oauth_idp.go)
	mux.HandleFunc("POST /_emulator/oauth/{provider}", e.idpSubmit)

	mux.HandleFunc("/", e.unrouted(mux, "/"))
	return mux
}

func (e *Emulator) apiHandler(f apiFunc, auth bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.callsMu.Lock()
		e.calls[r.Pattern]++
		e.callsMu.Unlock()

		if auth {
			if err := e.checkAuth(r); err != nil {
				e.writeError(w, r, err)
				return
			}
		}
		e.mu.Lock()
		body, err := e.inTx(r.Context(), func(tx *sql.Tx) (map[string]any, error) { return f(r.Context(), tx, r) })
		e.mu.Unlock()
		if err != nil {
			e.writeError(w, r, err)
			return
		}
		status := http.StatusOK
		if s, ok := body["status_code"].(int); ok {
			status = s
		}
		body["status_code"] = status
		body["request_id"] = newRequestID()
		writeJSON(w, status, body)
	})
}

// inTx runs f in a transaction, committing only when f succeeds.
func (e *Emulator) inTx(ctx context.Context, f func(*sql.Tx) (map[string]any, error)) (map[string]any, error) {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	body, err := f(tx)
	var keep *keepChanges
	if errors.As(err, &keep) { // a failure that must still be recorded (e.g. a wrong OTP attempt)
		if cerr := tx.Commit(); cerr != nil {
			return nil, fmt.Errorf("commit: %w", cerr)
		}
		return nil, keep.err
	}
	if err != nil {
		if commitDespite(err) { // e.g. a wrong MFA code still counts as an attempt
			if cerr := tx.Commit(); cerr != nil {
				return nil, fmt.Errorf("commit: %w", cerr)
			}
		}
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return body, nil
}

// checkAuth verifies HTTP Basic auth against the configured project ID and secret.
func (e *Emulator) checkAuth(r *http.Request) error {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return errAuthHeader
	}
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(e.cfg.ProjectID)) == 1
	passOK := subtle.ConstantTimeCompare([]byte(pass), []byte(e.cfg.Secret)) == 1
	if !userOK || !passOK {
		return errUnauthorized
	}
	return nil
}
