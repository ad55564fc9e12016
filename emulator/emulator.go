package emulator

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
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

	// newKey generates the JWT signing key of a new database; nil = a fresh 2048-bit RSA key.
	// Only tests set it (export_test.go), to share one key across their emulators.
	newKey func() (*rsa.PrivateKey, error)
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

	idpMu  sync.Mutex // guards idpKey, the emulated identity providers' key (idp_keys.go)
	idpKey *idpKey
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
	ctx := context.Background()
	err = e.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if e.keys, err = loadOrCreateKey(ctx, tx, cfg.newKey); err != nil {
			return err
		}
		if err = ensureCert(ctx, tx, e.keys); err != nil {
			return err
		}
		e.publicToken, err = loadPublicToken(ctx, tx, cfg.PublicToken)
		return err
	})
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
