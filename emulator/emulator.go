// Package emulator is an offline stand-in for the Stytch B2B API, wire-compatible with the
// stytch-go v16 SDK (b2bstytchapi.NewClient(projectID, secret, b2bstytchapi.WithBaseURI(url))).
//
// It serves the real paths under /v1/b2b/..., keeps its state in SQLite (organizations, members,
// magic-link tokens, intermediate sessions, member sessions, the JWT signing key and the mailbox)
// and never sends mail: each message is recorded in a mailbox served under /dev/.
//
// Where the Stytch documentation does not say which error a situation produces, the emulator
// makes these choices (see README.md for the full list):
//
//   - IST exchange for an organization the email may not join: 403 email_jit_provisioning_not_allowed
//     (also used by login_or_signup for a new email when the organization does not allow JIT).
//   - sessions/exchange to an organization without a membership: 404 member_not_found.
//   - Inviting a member whose status is active: 400 member_already_active.
//   - email_invites NOT_ALLOWED: 403 email_invites_not_allowed; RESTRICTED and the domain is not
//     allowed: 403 invalid_email_for_invites.
//   - Malformed JSON body: 400 invalid_request.
//   - Expired ISTs, magic links and sessions answer like unknown or used ones.
package emulator

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config configures an Emulator. Only ProjectID and Secret are required.
type Config struct {
	ProjectID string // e.g. "project-test-00000000-0000-0000-0000-000000000000"
	Secret    string

	// DatabasePath is the SQLite file holding all state; "" means a private in-memory database.
	DatabasePath string

	// Now is the clock; nil means time.Now. Advance moves the emulator's clock on top of it.
	Now func() time.Time

	// AllowedRedirectURLs lists the redirect URLs accepted by the magic-link send endpoints,
	// compared without their query string. Empty means any loopback URL (localhost, 127.0.0.1,
	// [::1]; any port; http or https). When a send call omits its redirect URL, the first entry
	// is used (like the Dashboard default); with an empty list, DefaultRedirectURL.
	AllowedRedirectURLs []string

	// Log receives one INFO line per recorded email (with its link) and request errors at
	// DEBUG. nil discards.
	Log *slog.Logger

	// EmailRateBurst and EmailRateInterval shape the per-address email rate limit shared by
	// discovery send, login_or_signup and invite: a bucket of EmailRateBurst sends that refills
	// one send per EmailRateInterval (on the emulator's clock). Zero values mean a burst of 5
	// and one per second. DisableEmailRateLimit turns the limit off.
	EmailRateBurst        int
	EmailRateInterval     time.Duration
	DisableEmailRateLimit bool

	// RBACPolicy adds custom resources and roles to Stytch's default policy (DefaultPolicy);
	// a role named stytch_member or stytch_admin replaces that default role's permissions.
	// nil serves the default policy.
	RBACPolicy *Policy

	// PublicToken is the project's public token, required by the browser-facing OAuth start
	// URLs; "" means a public-token-test-<uuid> generated once and kept in the database.
	PublicToken string
}

// Emulator is an http.Handler serving the Stytch B2B API under /v1/ and dev helpers under /dev/.
type Emulator struct {
	cfg     Config
	log     *slog.Logger
	db      *sql.DB
	api     http.Handler
	dev     http.Handler
	keys    *signingKey
	limiter *rateLimiter
	policy  Policy

	publicToken string

	mu sync.Mutex // serialises every state access: one request at a time touches the database

	clockMu sync.Mutex
	offset  time.Duration

	callsMu sync.Mutex
	calls   map[string]int
}

// New opens (or creates) the database, loads or generates the signing key and builds the routes.
func New(cfg Config) (*Emulator, error) {
	if cfg.ProjectID == "" || cfg.Secret == "" {
		return nil, errors.New("emulator: ProjectID and Secret are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	policy, err := buildPolicy(cfg.RBACPolicy)
	if err != nil {
		return nil, err
	}
	db, err := openDB(cfg.DatabasePath)
	if err != nil {
		return nil, err
	}
	e := &Emulator{cfg: cfg, log: log, db: db, policy: policy, calls: map[string]int{}}
	e.limiter = newRateLimiter(cfg.EmailRateBurst, cfg.EmailRateInterval, cfg.DisableEmailRateLimit)
	e.keys, err = loadOrCreateKey(context.Background(), db)
	if err == nil {
		err = ensureCert(context.Background(), db, e.keys)
	}
	if err == nil {
		e.publicToken, err = loadPublicToken(context.Background(), db, cfg.PublicToken)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	e.api = e.apiRoutes()
	e.dev = e.devRoutes()
	return e, nil
}

// Close closes the database.
func (e *Emulator) Close() error { return e.db.Close() }

// ServeHTTP serves both the API (/v1/...) and the dev routes (/dev/...).
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/dev/") {
		e.dev.ServeHTTP(w, r)
		return
	}
	e.api.ServeHTTP(w, r)
}

// API serves the Stytch API under /v1/ and the emulated OAuth provider's pages under
// /_emulator/oauth/ (the public OAuth start URLs redirect there, on the same host); anything
// else is a Stytch-style 404.
func (e *Emulator) API() http.Handler { return e.api }

// Dev serves only the dev routes, at their absolute paths (/dev/mailbox, ...).
func (e *Emulator) Dev() http.Handler { return e.dev }

// Advance moves the emulator's clock forward by d (on top of Config.Now).
func (e *Emulator) Advance(d time.Duration) {
	e.clockMu.Lock()
	e.offset += d
	e.clockMu.Unlock()
}

func (e *Emulator) now() time.Time {
	e.clockMu.Lock()
	off := e.offset
	e.clockMu.Unlock()
	return e.cfg.Now().Add(off).UTC()
}

// Calls returns how many /v1 API calls were served, keyed by route pattern,
// e.g. "POST /v1/b2b/sessions/authenticate". JWKS fetches are counted too.
func (e *Emulator) Calls() map[string]int {
	e.callsMu.Lock()
	defer e.callsMu.Unlock()
	out := make(map[string]int, len(e.calls))
	for k, v := range e.calls {
		out[k] = v
	}
	return out
}

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

	route("POST /v1/b2b/otps/email/discovery/send", e.otpDiscoverySend)
	route("POST /v1/b2b/otps/email/discovery/authenticate", e.otpDiscoveryAuthenticate)
	route("POST /v1/b2b/oauth/discovery/authenticate", e.oauthDiscoveryAuthenticate)
	mux.HandleFunc("GET /v1/b2b/public/oauth/{provider}/discovery/start", e.oauthDiscoveryStart)
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

// apiError is a Stytch error response.
type apiError struct {
	Status  int
	Type    string
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Message) }

func newAPIError(status int, typ, msg string) *apiError {
	return &apiError{Status: status, Type: typ, Message: msg}
}

var (
	errAuthHeader = newAPIError(400, "invalid_authorization_header",
		"The Authorization header is missing or malformed. Use HTTP Basic auth with your project ID and secret.")
	errUnauthorized = newAPIError(401, "unauthorized_credentials",
		"Unauthorized credentials. Check your project ID and secret.")
	errBadJSON     = newAPIError(400, "invalid_request", "The request body is not valid JSON.")
	errRateLimited = newAPIError(429, "too_many_requests", "Too many requests have been made.")

	errMagicLinkNotFound = newAPIError(404, "magic_link_not_found",
		"The magic link could not be authenticated, try sending another magic link to the user.")
	errMagicLinkUsed = newAPIError(401, "unable_to_auth_magic_link",
		"The magic link could not be authenticated because it was either already used or expired. Send another magic link to this user.")
	errISTNotFound     = newAPIError(404, "intermediate_session_not_found", "Intermediate session could not be found.")
	errSessionNotFound = newAPIError(404, "session_not_found", "Session could not be found.")
	errOrgNotFound     = newAPIError(404, "organization_not_found", "Organization could not be found.")
	errMemberNotFound  = newAPIError(404, "member_not_found", "Member could not be found.")
	errSlugUsed        = newAPIError(400, "organization_slug_already_used",
		"The provided organization_slug is already used in another organization.")
	errSlugInvalid = newAPIError(400, "invalid_organization_slug",
		"The organization_slug must be at least 2 characters long and may only contain alphanumerics and the reserved characters '-', '.', '_', or '~'. At least one character must be alphanumeric.")
	errNameInvalid = newAPIError(400, "invalid_organization_name",
		"The organization_name must be between 1 and 128 characters long.")
	errDuration = newAPIError(400, "invalid_session_duration_minutes",
		"session_duration_minutes must be between 5 and 527040.")
	errInvalidEmail = newAPIError(400, "invalid_email", "Email format is invalid.")
	errNotEligible  = newAPIError(403, "email_jit_provisioning_not_allowed",
		"This email address may not join the organization: it has no membership and the organization does not allow JIT provisioning for its domain.")
	errAuthz = newAPIError(403, "session_authorization_error",
		"The Member is not authorized to perform the requested action on that resource.")
	errTenancy = newAPIError(403, "session_authorization_tenancy_error",
		"The Member's session does not belong to the organization of the requested resource.")
	errDomainTooCommon = newAPIError(400, "organization_settings_domain_too_common",
		"email_allowed_domains may not contain common email domains such as gmail.com.")
	errDomainInvalid = newAPIError(400, "organization_settings_invalid_domain",
		"email_allowed_domains contains an invalid domain.")
)

func errorURL(status int, typ string) string {
	return fmt.Sprintf("https://stytch.com/docs/api/errors/%d#%s", status, typ)
}

func (e *Emulator) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		e.log.Error("emulator internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = newAPIError(500, "internal_server_error", "Oops, something seems to have gone wrong.")
	} else {
		e.log.Debug("emulator request failed", "method", r.Method, "path", r.URL.Path,
			"status", ae.Status, "error_type", ae.Type)
	}
	writeJSON(w, ae.Status, map[string]any{
		"status_code":   ae.Status,
		"request_id":    newRequestID(),
		"error_type":    ae.Type,
		"error_message": ae.Message,
		"error_url":     errorURL(ae.Status, ae.Type),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decode reads a JSON body into v. An empty body is treated as {}; unknown fields are ignored.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return errBadJSON
	}
	return nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func newRequestID() string { return "request-id-test-" + newUUID() }

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }
