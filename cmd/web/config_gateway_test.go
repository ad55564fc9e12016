package main

import (
	"strings"
	"testing"
)

// envOf is a getenv for LoadConfig: NAME, value, NAME, value, …
func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// TestLoadConfigGateway: AUTH_PREFIX, COOKIE_DOMAIN, UPSTREAM_URL and ALLOWED_RETURN_HOSTS.
func TestLoadConfigGateway(t *testing.T) {
	t.Parallel()
	env := envOf
	c, err := LoadConfig(env())
	if err != nil || c.Prefix != "" || c.Upstream != nil || c.CookieDomain != "" || c.ReturnHosts != nil {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	c, err = LoadConfig(env("UPSTREAM_URL", "http://127.0.0.1:8080", "ALLOWED_RETURN_HOSTS", " Reports.localhost:8081 , localhost:9000"))
	if err != nil || c.Prefix != "/_orgpick" || c.Upstream.String() != "http://127.0.0.1:8080" || strings.Join(c.ReturnHosts, ",") != "reports.localhost:8081,localhost:9000" {
		t.Fatalf("proxy mode: %+v, %v", c, err)
	}
	if c, err = LoadConfig(env("AUTH_PREFIX", "/auth/orgpick/")); err != nil || c.Prefix != "/auth/orgpick" {
		t.Fatalf("prefix: %+v, %v", c, err)
	}
	withStytch := []string{"STYTCH_PROJECT_ID", "project-live-x", "STYTCH_SECRET", "s", "BASE_URL", "https://auth.example.com"}
	c, err = LoadConfig(env(append(withStytch, "COOKIE_DOMAIN", ".Example.com")...))
	if err != nil || c.CookieDomain != "example.com" {
		t.Fatalf("cookie domain: %+v, %v", c, err)
	}
	sm := newSessionManager(c, nil)
	if sm.Cookie.Name != "__Secure-orgpick_session" || sm.Cookie.Domain != "example.com" || !sm.Cookie.Secure || sm.Cookie.Path != "/" {
		t.Fatalf("session cookie with a domain: %+v", sm.Cookie)
	}
	for _, c := range []struct {
		name string
		env  []string
		want string
	}{
		{"prefix with a query", []string{"AUTH_PREFIX", "/x?y"}, "AUTH_PREFIX must be a path"},
		{"prefix without slash", []string{"AUTH_PREFIX", "_orgpick"}, "AUTH_PREFIX must be a path"},
		{"proxy at the root", []string{"UPSTREAM_URL", "http://127.0.0.1:8080", "AUTH_PREFIX", "/"}, "UPSTREAM_URL needs an AUTH_PREFIX"},
		{"upstream not a URL", []string{"UPSTREAM_URL", "127.0.0.1:8080"}, "UPSTREAM_URL must be"},
		{"cookie domain elsewhere", append(withStytch, "COOKIE_DOMAIN", "example.org"), "must contain BASE_URL's host"},
		{"cookie domain a suffix only", append(withStytch, "COOKIE_DOMAIN", "com"), "COOKIE_DOMAIN must be a parent domain"},
		{"return host with a scheme", []string{"ALLOWED_RETURN_HOSTS", "https://app.example.com"}, "ALLOWED_RETURN_HOSTS entry 1"},
		{"return host with a path", []string{"ALLOWED_RETURN_HOSTS", "ok.test,app.example.com/x"}, "ALLOWED_RETURN_HOSTS entry 2"},
	} {
		if _, err := LoadConfig(env(c.env...)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}
