package emulator

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"net/http"
	"strings"
)

// apiFunc handles one API call inside a database transaction (Emulator.tx). It returns the
// response body (request_id and status_code are added) or an error (an *apiError becomes
// Stytch's error body).
type apiFunc func(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error)

// route is one line of the route table: a JSON API call (call) or a browser-facing page
// (page: the public OAuth start URLs and the emulated provider), which writes its own response
// and reaches state through Emulator.tx.
type route struct {
	pattern string
	call    apiFunc
	page    http.HandlerFunc
	public  bool // no Basic auth (JWKS)
}

// call is an API call with Basic auth.
func call(pattern string, f apiFunc) route { return route{pattern: pattern, call: f} }

// publicCall is an API call without Basic auth.
func publicCall(pattern string, f apiFunc) route {
	return route{pattern: pattern, call: f, public: true}
}

// page is a browser-facing route.
func page(pattern string, f http.HandlerFunc) route { return route{pattern: pattern, page: f} }

// apiRouteTable is every route under /v1/ plus the emulated OAuth provider, by Stytch API
// area. Adding an endpoint is one line here and its handler in the area's file.
func (e *Emulator) apiRouteTable() []route {
	return []route{
		// Discovery: magic links (discovery.go), email codes (otp.go), OAuth (oauth.go).
		call("POST /v1/b2b/magic_links/email/discovery/send", e.discoverySend),
		call("POST /v1/b2b/magic_links/discovery/authenticate", e.discoveryAuthenticate),
		call("POST /v1/b2b/discovery/intermediate_sessions/exchange", e.istExchange),
		call("POST /v1/b2b/discovery/organizations/create", e.discoveryOrgCreate),
		call("POST /v1/b2b/discovery/organizations", e.discoveryOrgList),
		call("POST /v1/b2b/otps/email/discovery/send", e.otpDiscoverySend),
		call("POST /v1/b2b/otps/email/discovery/authenticate", e.otpDiscoveryAuthenticate),
		call("POST /v1/b2b/oauth/discovery/authenticate", e.oauthDiscoveryAuthenticate),

		// Magic links of an organization (magiclinks.go).
		call("POST /v1/b2b/magic_links/email/login_or_signup", e.loginOrSignup),
		call("POST /v1/b2b/magic_links/email/invite", e.invite),
		call("POST /v1/b2b/magic_links/authenticate", e.magicLinkAuthenticate),
		call("POST /v1/b2b/otps/email/login_or_signup", e.otpOrgSend),      // otp_org.go
		call("POST /v1/b2b/otps/email/authenticate", e.otpOrgAuthenticate), // otp_org.go

		// OAuth of an organization (oauth_org.go) and the public start URLs (oauth.go,
		// oauth_org.go), which send the browser to the emulated provider (oauth_idp.go).
		call("POST /v1/b2b/oauth/authenticate", e.oauthAuthenticate),
		page("GET /v1/b2b/public/oauth/{provider}/discovery/start", e.oauthDiscoveryStart),
		page("GET /v1/b2b/public/oauth/{provider}/start", e.oauthOrgStart),
		page("GET /_emulator/oauth/{provider}", e.idpShow),
		page("POST /_emulator/oauth/{provider}", e.idpSubmit),

		// Sessions (sessions.go, sessions_get.go, session_jwt.go).
		call("POST /v1/b2b/sessions/authenticate", e.sessionsAuthenticate),
		call("POST /v1/b2b/sessions/exchange", e.sessionsExchange),
		call("POST /v1/b2b/sessions/revoke", e.sessionsRevoke),
		call("GET /v1/b2b/sessions", e.sessionsGet),
		publicCall("GET /v1/b2b/sessions/jwks/{project_id}", e.jwks),

		// Organizations (organizations.go, orgs_admin.go, search_handlers.go).
		call("POST /v1/b2b/organizations", e.orgCreate),
		call("GET /v1/b2b/organizations/{organization_id}", e.orgGet),
		call("PUT /v1/b2b/organizations/{organization_id}", e.orgUpdate),
		call("DELETE /v1/b2b/organizations/{organization_id}", e.orgDelete),
		call("POST /v1/b2b/organizations/search", e.orgSearch),

		// Members (members.go, members_admin.go, mfa_members.go, search_handlers.go).
		call("GET /v1/b2b/organizations/{organization_id}/member", e.memberGet),
		call("POST /v1/b2b/organizations/{organization_id}/members", e.memberCreate),
		call("PUT /v1/b2b/organizations/{organization_id}/members/{member_id}", e.memberUpdateHandler),
		call("DELETE /v1/b2b/organizations/{organization_id}/members/{member_id}", e.memberDelete),
		call("PUT /v1/b2b/organizations/{organization_id}/members/{member_id}/reactivate", e.memberReactivate),
		call("POST /v1/b2b/organizations/members/search", e.memberSearch),
		// DELETE …/members/{member_id}/totp and …/members/mfa_phone_numbers/{member_id} overlap
		// as patterns, so one route serves both.
		call("DELETE /v1/b2b/organizations/{organization_id}/members/{first}/{second}", e.memberFactorDelete),

		// RBAC (rbac.go).
		call("GET /v1/b2b/rbac/policy", e.rbacPolicy),

		// MFA: TOTP (totp.go), SMS codes (sms.go), recovery codes (recovery.go).
		call("POST /v1/b2b/totp", e.totpCreate),
		call("POST /v1/b2b/totp/authenticate", e.totpAuthenticate),
		call("POST /v1/b2b/otps/sms/send", e.smsSend),
		call("POST /v1/b2b/otps/sms/authenticate", e.smsAuthenticate),
		call("POST /v1/b2b/recovery_codes/recover", e.recoveryRecover),
		call("GET /v1/b2b/recovery_codes/{organization_id}/{member_id}", e.recoveryGet),
		call("POST /v1/b2b/recovery_codes/rotate", e.recoveryRotate),
	}
}

// ssoRouteTable is enterprise SSO's routes, apart from apiRouteTable only to keep each table
// a screenful.
func (e *Emulator) ssoRouteTable() []route {
	return []route{
		// Enterprise SSO: connections (sso.go, sso_saml.go, sso_oidc.go), the browser flow and
		// sso/authenticate (sso_flow.go, sso_saml_verify.go, sso_oidc_rp.go), and the emulated
		// identity providers, loopback-only (idp_saml.go, idp_oidc.go).
		call("GET /v1/b2b/sso/{organization_id}", e.ssoGetConnections),
		call("DELETE /v1/b2b/sso/{organization_id}/connections/{connection_id}", e.ssoDeleteConnection),
		call("POST /v1/b2b/sso/saml/{organization_id}", e.samlCreate),
		call("PUT /v1/b2b/sso/saml/{organization_id}/connections/{connection_id}", e.samlUpdate),
		page("PUT /v1/b2b/sso/saml/{organization_id}/connections/{connection_id}/url", e.fetchFirst(metadataURLOf, e.samlUpdateByURL)),
		call("DELETE /v1/b2b/sso/saml/{organization_id}/connections/{connection_id}/verification_certificates/{certificate_id}", e.samlDeleteCert),
		call("POST /v1/b2b/sso/oidc/{organization_id}", e.oidcCreate),
		page("PUT /v1/b2b/sso/oidc/{organization_id}/connections/{connection_id}", e.fetchFirst(discoveryURLOf, e.oidcUpdate)),
		call("POST /v1/b2b/sso/authenticate", e.ssoAuthenticate),
		page("GET /v1/public/sso/start", e.ssoStart),
		page("POST /v1/b2b/sso/callback/{connection_id}", e.samlCallback),
		page("GET /v1/b2b/sso/callback/{connection_id}", e.oidcCallback),
		page("GET /idp/saml/metadata", loopbackOnly(e.idpSAMLMetadata)),
		page("GET /idp/saml/sso", loopbackOnly(e.idpSAMLShow)),
		page("POST /idp/saml/sso", loopbackOnly(e.idpSAMLSubmit)),
		page("GET /idp/oidc/.well-known/openid-configuration", loopbackOnly(e.idpOIDCDiscovery)),
		page("GET /idp/oidc/authorize", loopbackOnly(e.idpOIDCShow)),
		page("POST /idp/oidc/authorize", loopbackOnly(e.idpOIDCSubmit)),
		page("POST /idp/oidc/token", loopbackOnly(e.idpOIDCToken)),
		page("GET /idp/oidc/userinfo", loopbackOnly(e.idpOIDCUserinfo)),
		page("POST /idp/oidc/userinfo", loopbackOnly(e.idpOIDCUserinfo)),
		page("GET /idp/oidc/jwks", loopbackOnly(e.idpOIDCJWKS)),
	}
}

// devRouteTable is the emulator-only helpers (dev.go, mailbox_page.go). They live under
// /dev/, never under /v1/, and are not counted in Calls.
func (e *Emulator) devRouteTable() []route {
	return []route{
		page("GET /dev/mailbox", e.mailboxPage),
		page("GET /dev/mailbox.css", mailboxStyles),
		page("GET /dev/mailbox.json", e.mailboxJSON),
		page("GET /dev/clock", e.clockGet),
		page("POST /dev/clock", e.clockAdvance),
		page("GET /dev/calls.json", e.callsJSON),
	}
}

// apiRoutes serves apiRouteTable; a request no route matches gets Stytch's 404 or 405.
func (e *Emulator) apiRoutes() http.Handler {
	mux := e.mux(append(e.apiRouteTable(), e.ssoRouteTable()...))
	mux.HandleFunc("/", e.unrouted(mux, "/"))
	return mux
}

func (e *Emulator) devRoutes() http.Handler { return e.mux(e.devRouteTable()) }

func (e *Emulator) mux(table []route) *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range table {
		mux.Handle(rt.pattern, e.serve(rt))
	}
	return mux
}

// serve is the one wrapper every request passes through: it counts /v1/ calls (Calls), then
// serves a page as is, or checks Basic auth and runs an API call in one transaction
// (Emulator.tx), answering its body or its error as Stytch's JSON.
func (e *Emulator) serve(rt route) http.Handler {
	counted := strings.Contains(rt.pattern, " /v1/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if counted {
			e.callsMu.Lock()
			e.calls[r.Pattern]++
			e.callsMu.Unlock()
		}
		if rt.page != nil {
			rt.page(w, r)
			return
		}
		if !rt.public {
			if err := e.checkAuth(r); err != nil {
				e.writeError(w, r, err)
				return
			}
		}
		var body map[string]any
		err := e.tx(r.Context(), func(tx *sql.Tx) error {
			var err error
			body, err = rt.call(r.Context(), tx, r)
			return err
		})
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

var (
	errRouteNotFound = newAPIError(404, "route_not_found", "The requested route could not be found.")
	errMethod        = newAPIError(405, "method_not_allowed", "The method used is not supported.")
)

// routeMethods are the methods tried when a request matches no route, to tell an unknown
// path (404 route_not_found) from a known path called with the wrong method (405).
var routeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// unrouted answers requests no API route matched, in Stytch's words. catchAll is the
// pattern this handler is registered under (it matches every path, so it is skipped).
func (e *Emulator) unrouted(mux *http.ServeMux, catchAll string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range routeMethods {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != catchAll {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			e.writeError(w, r, errRouteNotFound)
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		e.writeError(w, r, errMethod)
	}
}
