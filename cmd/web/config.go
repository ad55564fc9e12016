package main

import (
	"net"

	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"github.com/orgpick/orgpick/internal/clientip"
	"github.com/orgpick/orgpick/store"
)

// The embedded emulator's fixed credentials: it only listens on loopback, so they guard nothing.
const (
	emulatorProjectID = "project-test-00000000-0000-4000-8000-000000000000"
	emulatorSecret    = "secret-test-orgpick-local-emulator"
)

// Config is everything the app reads from its environment, read once at start.
type Config struct {
	Addr         string         // ADDR: listen address. Default "localhost:3000".
	BaseURL      *url.URL       // BASE_URL: public origin; magic links redirect to BASE_URL/authenticate. Default: http:// and ADDR when ADDR is loopback (":PORT" and 0.0.0.0 read as localhost), else required.
	DatabasePath string         // DATABASE_PATH: SQLite file. Default "data/app.db".
	DatabaseURL  string         // DATABASE_URL: postgres://… to keep everything in PostgreSQL (shared by instances); overrides DATABASE_PATH.
	Trusted      []netip.Prefix // TRUSTED_PROXIES: proxies whose X-Forwarded-For is believed. Default none.
	MetricsAddr  string         // METRICS_ADDR: listen address of GET /metrics (e.g. 127.0.0.1:9090). Default: no metrics listener.
	ProjectID    string         // STYTCH_PROJECT_ID: real Stytch project. Empty (with STYTCH_SECRET) runs the embedded emulator.
	Secret       string         // STYTCH_SECRET: real Stytch secret. Required with STYTCH_PROJECT_ID.
	StytchURL    string         // STYTCH_BASE_URL: optional API override (e.g. a standalone emulator); no trailing slash.
	PublicToken  string         // STYTCH_PUBLIC_TOKEN: the project's public token; without it (real Stytch) no Google/Microsoft buttons.
	LogFormat    string         // LOG_FORMAT: "text" or "json". Default "json" with real Stytch, else "text".
	// In front of another app (README "Put it in front of your app"):
	Prefix       string   // AUTH_PREFIX: orgpick's pages under this path of BASE_URL (e.g. /_orgpick). Default none, or /_orgpick with UPSTREAM_URL.
	CookieDomain string   // COOKIE_DOMAIN: the session cookie's Domain (e.g. example.com), for orgpick on its own subdomain. Default: host-only.
	Upstream     *url.URL // UPSTREAM_URL: reverse-proxy mode, every request outside AUTH_PREFIX goes there signed in. Default: off.
	ReturnHosts  []string // ALLOWED_RETURN_HOSTS: hosts (host or host:port) a return_to may lead to besides BASE_URL's. Default none.
}

// defaultProxyPrefix is AUTH_PREFIX in the reverse-proxy mode when it is not set.
const defaultProxyPrefix = "/_orgpick"

// prefixPattern is an AUTH_PREFIX: one or more path segments of unreserved characters.
var prefixPattern = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)+$`)

// Embedded reports whether the app runs its own Stytch emulator (no real credentials set).
func (c Config) Embedded() bool { return c.ProjectID == "" }

// SecureCookies reports whether cookies must be Secure (and take the __Host- prefix).
func (c Config) SecureCookies() bool { return c.BaseURL.Scheme == "https" }

// LoadConfig reads and validates the configuration; every problem is reported in one error.
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	var problems []string
	c := Config{
		Addr:         get("ADDR", "localhost:3000"),
		DatabasePath: get("DATABASE_PATH", "data/app.db"),
		ProjectID:    get("STYTCH_PROJECT_ID", ""),
		Secret:       get("STYTCH_SECRET", ""),
		StytchURL:    strings.TrimRight(get("STYTCH_BASE_URL", ""), "/"),
		PublicToken:  get("STYTCH_PUBLIC_TOKEN", ""),
		DatabaseURL:  get("DATABASE_URL", ""),
		MetricsAddr:  get("METRICS_ADDR", ""),
	}
	defBase, problem := baseFromAddr(c.Addr)
	if problem != "" && get("BASE_URL", "") == "" {
		problems = append(problems, problem)
	}
	base, err := url.Parse(get("BASE_URL", defBase))
	switch {
	case err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "":
		problems = append(problems, "BASE_URL must be an absolute http(s) URL such as https://app.example.com")
	case base.Path != "" && base.Path != "/", base.RawQuery != "", base.Fragment != "":
		problems = append(problems, "BASE_URL must be an origin only (no path, query or fragment)")
	default:
		base.Path = ""
		c.BaseURL = base
	}
	if (c.ProjectID == "") != (c.Secret == "") {
		problems = append(problems, "STYTCH_PROJECT_ID and STYTCH_SECRET must be set together (or both left unset to use the embedded emulator)")
	}
	if c.Embedded() && c.BaseURL != nil && !loopbackHost(c.BaseURL.Hostname()) {
		problems = append(problems, "BASE_URL "+c.BaseURL.String()+" is not on this machine: the embedded Stytch emulator "+
			"(and its /dev/mailbox of live sign-in links) runs only for a loopback BASE_URL such as http://localhost:3000; "+
			"set STYTCH_PROJECT_ID and STYTCH_SECRET to serve "+c.BaseURL.Host+" with Stytch")
	}
	if c.StytchURL != "" && c.Embedded() {
		problems = append(problems, "STYTCH_BASE_URL needs STYTCH_PROJECT_ID and STYTCH_SECRET (the credentials of the API it points at)")
	}
	if c.DatabaseURL != "" && !store.IsPostgresURL(c.DatabaseURL) {
		problems = append(problems, "DATABASE_URL must be a PostgreSQL URL (postgres://user@host:5432/db); for SQLite set DATABASE_PATH")
	}
	var err2 error
	if c.Trusted, err2 = clientip.ParseTrusted(getenv("TRUSTED_PROXIES")); err2 != nil {
		problems = append(problems, "TRUSTED_PROXIES: "+err2.Error())
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			problems = append(problems, "METRICS_ADDR must be host:port, e.g. 127.0.0.1:9090")
		}
	}
	if c.PublicToken != "" && !strings.HasPrefix(c.PublicToken, "public-token-") {
		problems = append(problems, "STYTCH_PUBLIC_TOKEN must be the project's public token (public-token-test-… or public-token-live-…)")
	}
	if c.StytchURL != "" {
		if u, err := url.Parse(c.StytchURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, "STYTCH_BASE_URL must be an absolute http(s) URL")
		}
	}
	problems = append(problems, c.loadGateway(get)...)
	c.LogFormat = get("LOG_FORMAT", map[bool]string{true: "text", false: "json"}[c.Embedded()])
	if c.LogFormat != "text" && c.LogFormat != "json" {
		problems = append(problems, `LOG_FORMAT must be "text" or "json"`)
	}
	if len(problems) > 0 {
		return Config{}, fmt.Errorf("configuration: %w", errors.New(strings.Join(problems, "; ")))
	}
	return c, nil
}

// loadGateway reads AUTH_PREFIX, COOKIE_DOMAIN, UPSTREAM_URL and ALLOWED_RETURN_HOSTS (after
// BASE_URL) and returns what is wrong with them.
func (c *Config) loadGateway(get func(key, def string) string) (problems []string) {
	if raw := get("UPSTREAM_URL", ""); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			problems = append(problems, "UPSTREAM_URL must be an absolute http(s) URL such as http://127.0.0.1:8080 (no query)")
		} else {
			c.Upstream = u
		}
	}
	def := ""
	if c.Upstream != nil {
		def = defaultProxyPrefix
	}
	c.Prefix = strings.TrimRight(get("AUTH_PREFIX", def), "/")
	if c.Prefix != "" && !prefixPattern.MatchString(c.Prefix) {
		problems = append(problems, "AUTH_PREFIX must be a path such as /_orgpick (letters, digits, . _ ~ - between slashes)")
	}
	if c.Upstream != nil && c.Prefix == "" {
		problems = append(problems, "UPSTREAM_URL needs an AUTH_PREFIX other than / (orgpick's pages live there, the rest is proxied)")
	}
	if d := strings.TrimPrefix(strings.ToLower(get("COOKIE_DOMAIN", "")), "."); d != "" {
		host := ""
		if c.BaseURL != nil {
			host = strings.ToLower(c.BaseURL.Hostname())
		}
		_, ipErr := netip.ParseAddr(d)
		switch {
		case ipErr == nil || !strings.Contains(d, "."):
			problems = append(problems, "COOKIE_DOMAIN must be a parent domain such as example.com")
		case host != d && !strings.HasSuffix(host, "."+d):
			problems = append(problems, "COOKIE_DOMAIN "+d+" must contain BASE_URL's host ("+host+")")
		default:
			c.CookieDomain = d
		}
	}
	for i, h := range strings.Split(get("ALLOWED_RETURN_HOSTS", ""), ",") {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if u, err := url.Parse("//" + h); err != nil || u.Host != h || u.User != nil || u.Hostname() == "" {
			problems = append(problems, fmt.Sprintf("ALLOWED_RETURN_HOSTS entry %d %q must be a host or host:port, such as app.example.com", i+1, h))
			continue
		}
		c.ReturnHosts = append(c.ReturnHosts, h)
	}
	return problems
}

// loopbackHost reports whether host (from a URL, without brackets) is this machine only:
// localhost, 127.0.0.0/8 or ::1.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// Warnings are settings that work but may expose more than meant, each in a sentence for the
// log at startup: a METRICS_ADDR that is not loopback (":9090" listens on every interface).
func (c Config) Warnings() []string {
	var out []string
	if c.MetricsAddr != "" {
		if host, _, err := net.SplitHostPort(c.MetricsAddr); err == nil && !loopbackHost(host) {
			out = append(out, "METRICS_ADDR "+c.MetricsAddr+" is not a loopback address: anyone who can reach it can read /metrics (request counts, no secrets). Bind 127.0.0.1:PORT, or firewall it.")
		}
	}
	return out
}

// StoreTarget is what store.Open opens: DATABASE_URL when set, else the SQLite file.
func (c Config) StoreTarget() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return c.DatabasePath
}

// Credentials returns the project ID and secret the SDK uses.
func (c Config) Credentials() (projectID, secret string) {
	if c.Embedded() {
		return emulatorProjectID, emulatorSecret
	}
	return c.ProjectID, c.Secret
}

// baseFromAddr is BASE_URL's default for listen address addr: the same host and port over
// http when they are this machine's ("localhost:8080", "127.0.0.1:8080"; ":8080" and
// "0.0.0.0:8080" as localhost), so emailed links land where the server listens. For any other
// address it returns a problem instead: links must name the public origin, which only the
// operator knows.
func baseFromAddr(addr string) (base, problem string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:3000", "ADDR must be host:port or :port, e.g. localhost:3000"
	}
	switch {
	case host == "" || host == "0.0.0.0" || host == "::":
		host = "localhost"
	case !loopbackHost(host):
		return "http://localhost:3000", "BASE_URL is unset and ADDR " + addr + " is not a loopback address: set BASE_URL to the public origin emailed links must point at (e.g. https://app.example.com)"
	}
	return "http://" + net.JoinHostPort(host, port), ""
}
