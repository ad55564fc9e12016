package main

import (
	"strings"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	env := envOf
	t.Run("defaults", func(t *testing.T) {
		t.Parallel()
		c, err := LoadConfig(env())
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != "localhost:3000" || c.BaseURL.String() != "http://localhost:3000" || c.DatabasePath != "data/app.db" || !c.Embedded() || c.SecureCookies() || c.LogFormat != "text" {
			t.Fatalf("defaults: %+v", c)
		}
	})
	t.Run("postgres, proxies, metrics", func(t *testing.T) {
		t.Parallel()
		c, err := LoadConfig(env("DATABASE_URL", "postgres://app@db:5432/orgpick", "TRUSTED_PROXIES", "10.0.0.0/8,192.0.2.7", "METRICS_ADDR", "127.0.0.1:9090"))
		if err != nil {
			t.Fatal(err)
		}
		if c.StoreTarget() != "postgres://app@db:5432/orgpick" || len(c.Trusted) != 2 || c.MetricsAddr != "127.0.0.1:9090" {
			t.Fatalf("config: %+v", c)
		}
	})
	t.Run("real stytch over https", func(t *testing.T) {
		t.Parallel()
		c, err := LoadConfig(env("STYTCH_PROJECT_ID", "project-live-x", "STYTCH_SECRET", "s", "BASE_URL", "https://app.example.com/"))
		if err != nil {
			t.Fatal(err)
		}
		if c.Embedded() || !c.SecureCookies() || c.BaseURL.String() != "https://app.example.com" || c.LogFormat != "json" {
			t.Fatalf("config: %+v", c)
		}
		if id, secret := c.Credentials(); id != "project-live-x" || secret != "s" {
			t.Fatal("credentials")
		}
	})
	t.Run("BASE_URL follows a loopback ADDR", func(t *testing.T) {
		t.Parallel()
		for addr, want := range map[string]string{"localhost:8080": "http://localhost:8080", "127.0.0.1:4000": "http://127.0.0.1:4000",
			":9000": "http://localhost:9000", "0.0.0.0:3001": "http://localhost:3001", "[::1]:3002": "http://[::1]:3002"} {
			c, err := LoadConfig(env("ADDR", addr))
			if err != nil || c.BaseURL.String() != want {
				t.Errorf("ADDR %s: BASE_URL %v (%v), want %s", addr, c.BaseURL, err, want)
			}
		}
		if c, err := LoadConfig(env("ADDR", "192.0.2.10:8080", "BASE_URL", "http://localhost:8080")); err != nil || c.BaseURL.String() != "http://localhost:8080" {
			t.Errorf("a set BASE_URL wins: %v (%v)", c.BaseURL, err)
		}
	})
}

// LoadConfig accepts every loopback BASE_URL and refuses what can't work, naming each problem.
func TestLoadConfigRefusals(t *testing.T) {
	t.Parallel()
	env := envOf
	for _, base := range []string{"http://localhost:8080", "https://localhost", "http://127.0.0.1:3000", "http://127.1.2.3", "http://[::1]:3000"} {
		if _, err := LoadConfig(env("BASE_URL", base)); err != nil {
			t.Errorf("loopback BASE_URL %s refused: %v", base, err)
		}
	}
	for _, c := range []struct {
		name string
		env  func(string) string
		want []string
	}{
		{"project without secret", env("STYTCH_PROJECT_ID", "p"), []string{"STYTCH_PROJECT_ID and STYTCH_SECRET"}},
		{"secret without project", env("STYTCH_SECRET", "s"), []string{"STYTCH_PROJECT_ID and STYTCH_SECRET"}},
		{"bad base url", env("BASE_URL", "localhost:3000"), []string{"BASE_URL"}},
		{"public ADDR without BASE_URL", env("ADDR", "192.0.2.10:8080"), []string{"BASE_URL is unset and ADDR 192.0.2.10:8080"}},
		{"base url with path", env("BASE_URL", "https://x.test/app"), []string{"BASE_URL must be an origin"}},
		{"embedded emulator on a public BASE_URL", env("BASE_URL", "https://app.example.com"), []string{"not on this machine", "STYTCH_PROJECT_ID and STYTCH_SECRET"}},
		{"database url not postgres", env("DATABASE_URL", "mysql://x"), []string{"DATABASE_URL must be a PostgreSQL URL"}},
		{"garbage trusted proxies", env("TRUSTED_PROXIES", "10.0.0.0/8, not-a-network"), []string{"TRUSTED_PROXIES", "not-a-network"}},
		{"metrics address without port", env("METRICS_ADDR", "127.0.0.1"), []string{"METRICS_ADDR must be host:port"}},
		{"public token malformed", env("STYTCH_PUBLIC_TOKEN", "secret-live-x"), []string{"STYTCH_PUBLIC_TOKEN"}},
		{"stytch url without credentials", env("STYTCH_BASE_URL", "http://127.0.0.1:4010"), []string{"STYTCH_BASE_URL needs"}},
		{"every problem at once", env("STYTCH_SECRET", "s", "BASE_URL", "ftp://x", "LOG_FORMAT", "xml"), []string{"STYTCH_PROJECT_ID", "BASE_URL", "LOG_FORMAT"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadConfig(c.env)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
