package handlers

import "testing"

// TestReturnToCheck: paths on BASE_URL's origin and URLs on ALLOWED_RETURN_HOSTS are kept
// (as absolute URLs); every usual open-redirect bypass is refused.
func TestReturnToCheck(t *testing.T) {
	t.Parallel()
	rt := newReturns("https://app.example.com", []string{"reports.example.com", "localhost:8080"}, sessionState{})
	ok := map[string]string{
		"/app/reports":                   "https://app.example.com/app/reports",
		"/app/reports?q=1&b=2#top":       "https://app.example.com/app/reports?q=1&b=2#top",
		"/":                              "https://app.example.com/",
		"/a%20b":                         "https://app.example.com/a%20b",
		"https://app.example.com/x?y=1":  "https://app.example.com/x?y=1",
		"https://APP.example.com/x":      "https://app.example.com/x",
		"https://reports.example.com/q3": "https://reports.example.com/q3",
		"https://localhost:8080/dev":     "https://localhost:8080/dev",
	}
	for raw, want := range ok {
		if got, accepted := rt.check(raw); !accepted || got != want {
			t.Errorf("check(%q) = %q, %v; want %q", raw, got, accepted, want)
		}
	}
	refused := []string{
		"", "//evil.test", "//evil.test/x", `/\evil.test`, `\/evil.test`, `/\/evil.test`, `\\evil.test`,
		"https:evil.test", "https:/evil.test", "http:evil.test", "https://evil.test", "http://evil.test/app",
		"https://app.example.com@evil.test/", "https://evil.test@app.example.com/", "https://user:pw@app.example.com/",
		"https://app.example.com.evil.test/", "https://reports.example.com:444/", "http://reports.example.com/",
		"http://app.example.com/x", // BASE_URL is https: no downgrade
		"javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x",
		"/%2F%2Fevil.test", "/%2f/evil.test", "/%5Cevil.test", "%2F%2Fevil.test", "%2f%2fevil.test",
		"/\t/evil.test", "/\n/evil.test", "\t//evil.test", " /x", "/x y", "/\x00", "/\x7f",
		"/\u2215evil.test", "/\uff0fevil.test", // lookalike slashes
		"evil.test", "app/reports", "./x", "../x", "?x=1", "#x", "ftp://app.example.com/",
		"/" + string(make([]byte, maxReturnTo)),
	}
	for _, raw := range refused {
		if got, accepted := rt.check(raw); accepted {
			t.Errorf("check(%q) accepted as %q", raw, got)
		}
	}
	// Over http (a local setup) an allowed host may be http too.
	local := newReturns("http://localhost:3000", []string{"localhost:8080"}, sessionState{})
	if got, accepted := local.check("http://localhost:8080/x"); !accepted || got != "http://localhost:8080/x" {
		t.Errorf("local allowed host: %q, %v", got, accepted)
	}
}

// TestPrefixHTML: root-relative URLs in URL attributes get the prefix; absolute and
// protocol-relative URLs, other attributes and text stay byte for byte.
func TestPrefixHTML(t *testing.T) {
	t.Parallel()
	in := `<!DOCTYPE html><html><head><meta name="htmx-config" content='{"a":"/x"}'><link rel="stylesheet" href="/assets/app.css?v=1">` +
		`<script src="/assets/htmx.js" defer></script></head><body><a href="/">home</a> <a href="https://stytch.test/start?x=/y">g</a>` +
		`<a href="//cdn.test/x">c</a><form method="post" action="/login" hx-post="/login" hx-target="#login"><input name="next" value="/dashboard"/>` +
		`<button formaction="/orgs/create">go</button></form><div hx-get="/orgs?q=a&amp;b=1" data-x="/keep">/text</div><textarea>/t <a href="/no"></textarea></body></html>`
	want := `<!DOCTYPE html><html><head><meta name="htmx-config" content='{"a":"/x"}'><link rel="stylesheet" href="/p/assets/app.css?v=1">` +
		`<script src="/p/assets/htmx.js" defer=""></script></head><body><a href="/p/">home</a> <a href="https://stytch.test/start?x=/y">g</a>` +
		`<a href="//cdn.test/x">c</a><form method="post" action="/p/login" hx-post="/p/login" hx-target="#login"><input name="next" value="/dashboard"/>` +
		`<button formaction="/p/orgs/create">go</button></form><div hx-get="/p/orgs?q=a&amp;b=1" data-x="/keep">/text</div><textarea>/t <a href="/no"></textarea></body></html>`
	if got := string(prefixHTML([]byte(in), "/p")); got != want {
		t.Fatalf("prefixHTML:\n got %s\nwant %s", got, want)
	}
}
