package e2e

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"testing"
)

// startProxied starts the app in its reverse-proxy mode (README "Put it in front of your
// app"): its pages under /_orgpick, everything else proxied to a small app in this process that
// shows who is signed in.
func startProxied(t *testing.T) *server {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><title>The app</title></head><body><main data-testid="app">`+
			`<p data-testid="app-email">%s</p><p data-testid="app-org">%s</p></main></body></html>`,
			html.EscapeString(r.Header.Get("X-Orgpick-Email")), html.EscapeString(r.Header.Get("X-Orgpick-Organization-Slug")))
	}))
	t.Cleanup(up.Close)
	return startBinary(t, "/_orgpick", "UPSTREAM_URL="+up.URL) // AUTH_PREFIX is /_orgpick by default in this mode
}

// A person asking for a page of the app behind orgpick signs in on orgpick's pages under
// /_orgpick (every link, form, htmx request and asset there, with and without JavaScript),
// creates an organization, and lands on the page first asked for, where the app knows them.
// After logout the app's page leads to sign-in again.
func TestJourneyBehindTheProxyMode(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			t.Parallel()
			const email = "ada@acme.test"
			b := newBrowser(t, startProxied(t), js, "person")
			b.open("/app/reports?q=1")
			b.waitFor("login-form")
			b.wantPath("/_orgpick/")
			b.typeInto("#email", email)
			b.click("Email me a sign-in link", `#login-form button[type="submit"]`)
			b.waitFor("check-email")
			b.wantPath("/_orgpick/check-email")
			b.openNewestMail(email, true)
			b.pressContinue("chooser")
			b.wantPath("/_orgpick/orgs")
			b.typeInto("#organization_name", "Acme Rockets")
			b.click("Create organization", `#create-org button[type="submit"]`)
			b.waitFor("app")
			if got := b.location(); got.Path != "/app/reports" || got.RawQuery != "q=1" {
				t.Fatalf("e2e [%s]: landed on %s, want /app/reports?q=1", b.who(), got)
			}
			wantText(t, b, "app-email", email)
			wantText(t, b, "app-org", "acme-rockets")

			b.open("/_orgpick/dashboard")
			b.waitFor("dashboard")
			b.checkJavaScriptState()
			b.click("Log out", `#logout-form button[type="submit"]`)
			b.waitFor("login-form")
			b.settle()
			b.wantPath("/_orgpick/")
			b.open("/app/reports")
			b.waitFor("login-form")
			if b.has("app") {
				t.Errorf("e2e [%s]: the app's page showed after logout", b.who())
			}
		})
	}
}
