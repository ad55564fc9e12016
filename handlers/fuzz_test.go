package handlers

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/orgpick/orgpick/internal/commondomain"
)

// The seeds run in every `go test`; `make fuzz` explores further.

func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{"ada@acme.com", " Ada@Acme.COM ", "", "a@b", "Eve <eve@x.test>", "a@b.c\r\nBcc: x@y.z",
		strings.Repeat("a", 300) + "@x.test", "\xff@x.test", "\"quoted local\"@x.test", "a@[127.0.0.1]", "a@@b.test", "ü@ü.test"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		email, problem := parseEmail(raw)
		if (email == "") == (problem == "") {
			t.Fatalf("parseEmail(%q) = %q, %q: exactly one must be set", raw, email, problem)
		}
		if email == "" {
			return
		}
		if len(email) > 254 || !utf8.ValidString(email) || strings.ContainsAny(email, " \r\n<>,") || strings.Count(email, "@") != 1 {
			t.Fatalf("parseEmail(%q) accepted %q", raw, email)
		}
		if again, p := parseEmail(email); again != email || p != "" {
			t.Fatalf("not idempotent: %q -> %q (%q)", email, again, p)
		}
	})
}

func FuzzLinkParams(f *testing.F) {
	for _, s := range [][2]string{{"discovery", "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94="}, {"multi_tenant_magic_links", "abc"},
		{"sso", "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94="}, {"discovery", "<script>"}, {"", ""}, {"discovery", strings.Repeat("A", 5000)}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, typ, token string) {
		err := linkParams(typ, token)
		if err == nil {
			if typ != tokenDiscovery && typ != tokenMultiTenant {
				t.Fatalf("accepted token type %q", typ)
			}
			if len(token) > 202 || strings.ContainsAny(token, "<>\"'&%/ \x00") {
				t.Fatalf("accepted token %q", token)
			}
			return
		}
		if !errors.Is(err, ErrUnsupportedLink) && !errors.Is(err, ErrLinkMalformed) {
			t.Fatalf("unexpected error kind %v", err)
		}
		if describe(err).status != http.StatusBadRequest {
			t.Fatalf("status %d for %v", describe(err).status, err)
		}
	})
}

func FuzzCreateOrgForm(f *testing.F) {
	for _, s := range [][2]string{{"Acme Co", ""}, {"Acme Co", "acme-co"}, {"", ""}, {"日本", ""}, {"x", "-"}, {"Ünïcødé Corp", "ok~._"},
		{strings.Repeat("n", 200), ""}, {"tab\tname", ""}, {"A", "a"}, {"---", ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, slug string) {
		body := url.Values{"organization_name": {name}, "organization_slug": {slug}}.Encode()
		r := httptest.NewRequest(http.MethodPost, "/orgs/create", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		n, err1 := formValue(r, "organization_name")
		s, err2 := formValue(r, "organization_slug")
		if err := errors.Join(err1, err2); err != nil {
			if !utf8.ValidString(name) || !utf8.ValidString(slug) {
				return // refused with 400, as it should be
			}
			t.Fatalf("valid form refused: %v", err)
		}
		n, s = strings.TrimSpace(n), strings.TrimSpace(s)
		errs := validateOrg(n, s)
		if len(errs) > 0 {
			return
		}
		final := s
		if final == "" {
			final = slugify(n)
		}
		if !validSlug(final) {
			t.Fatalf("validateOrg(%q, %q) passed but slug %q is invalid", n, s, final)
		}
		if c := utf8.RuneCountInString(n); c == 0 || c > 128 {
			t.Fatalf("name %q passed", n)
		}
	})
}

func FuzzSlugify(f *testing.F) {
	for _, s := range []string{"Acme & Co.", "  ", "日本 Corp", strings.Repeat("ab-", 100), "a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s := slugify(name)
		if s != "" && !validSlug(s) && len(s) >= 2 {
			t.Fatalf("slugify(%q) = %q, not a valid slug", name, s)
		}
		if strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
			t.Fatalf("slugify(%q) = %q", name, s)
		}
	})
}

func FuzzParseDomains(f *testing.F) {
	for _, s := range []string{"acme.com", "Acme.COM, @acme.io\nacme.com", "gmail.com", "https://acme.com/x", "", " , ;", "xn--bcher-kva.example", strings.Repeat("a.", 200) + "com", "a.b.c.d.e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		domains, problem := parseDomains(raw)
		if problem != "" {
			if domains != nil {
				t.Fatalf("parseDomains(%q) returned domains with a problem", raw)
			}
			return
		}
		if len(domains) > maxAllowedDomains {
			t.Fatalf("%d domains accepted", len(domains))
		}
		seen := map[string]bool{}
		for _, d := range domains {
			if !validDomain(d) || d != strings.ToLower(d) || seen[d] || commondomain.Is(d) {
				t.Fatalf("parseDomains(%q) accepted %q", raw, d)
			}
			seen[d] = true
		}
	})
}
