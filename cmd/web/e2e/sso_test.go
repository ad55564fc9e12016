package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// An admin connects the local test identity provider on /settings/sso (a SAML connection from
// its metadata, an OIDC one from its issuer), names their domain, tests the SAML connection
// (the page reports what the IdP sent), deletes a third connection after its confirmation and
// makes the OIDC one the default. A new person at the domain chooses "Sign in with SSO": two
// connections, so the choice page; the default (OIDC, emulated) signs them in and they land
// on the organization's dashboard (JIT). With JavaScript on and off; every page audited (axe,
// 320 and 390 px).
func TestJourneySSO(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		const admin, newcomer = "ada@sso-journey.test", "new@sso-journey.test"
		b.signIn(admin)
		b.createOrg("SSO Journey")
		b.openSSOSetup()
		b.createLocalConnection("saml")
		b.createLocalConnection("oidc")
		if n := b.count(`[data-testid="sso-conn"]`); n != 2 {
			t.Fatalf("e2e [%s]: %d connections listed, want 2", b.who(), n)
		}
		b.click("Save domains", tid("sso-domains-save"))
		b.waitSSONotice("Domains saved")
		b.shoot("sso-setup")

		// Test sign-in with the SAML connection (the default, listed first).
		b.click("Test sign-in", chromedp.CSS(`[data-testid="sso-conn"] [data-testid="sso-test"]`))
		b.idpSignIn("tester@sso-journey.test", "Tess Ter")
		b.waitFor("sso-test-result")
		wantText(t, b, "sso-test-email", "tester@sso-journey.test")
		wantText(t, b, "sso-test-name", "Tess Ter")

		// A third connection, deleted after its confirmation; the OIDC one made the default.
		b.createLocalConnection("saml")
		last := `[data-testid="sso-conn"]:last-of-type `
		b.click("Delete…", chromedp.CSS(last+`[data-testid="sso-delete-open"]`))
		b.click("Yes, delete", chromedp.CSS(last+`[data-testid="sso-delete"]`))
		b.waitSSONotice("deleted")
		b.click("Make default", tid("sso-make-default"))
		b.waitSSONotice("is now the default")
		if n := b.count(`[data-testid="sso-conn"]`); n != 2 {
			t.Fatalf("e2e [%s]: %d connections after the delete, want 2", b.who(), n)
		}
		b.logout()

		b.open("/")
		b.waitFor("login-form")
		b.typeInto("#email", newcomer)
		b.click("Sign in with SSO", tid("sign-in-sso"))
		b.waitFor("sso-choice")
		b.wantPath("/sso")
		b.shoot("sso-choice")
		b.click("Sign in with the default connection", tid("sso-start"))
		b.idpSignIn(newcomer, "New Person")
		b.waitFor("dashboard")
		b.wantPath("/dashboard")
		wantText(t, b, "dashboard-email", newcomer)
		wantText(t, b, "dashboard-org", "SSO Journey")
	})
}

// An organization that requires SSO: its admin turns Require SSO on and stays signed in;
// reached by an email link, the chooser says it needs its connection, and choosing it leads
// through the IdP (the IST carried) to the dashboard. Its own page, /org/{slug}, offers only
// the SSO button, which signs a new person in; deleting the connection (confirmed on the page)
// leaves the admin signed in.
func TestJourneySSORequiredOrg(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		const admin = "ada@must-sso-journey.test"
		b.signIn(admin)
		b.createOrg("Must SSO")
		b.openSSOSetup()
		b.createLocalConnection("saml")
		b.click("Require SSO", chromedp.CSS("#require-sso"))
		b.click("Save SSO settings", tid("sso-settings-save"))
		b.waitSSONotice("settings saved")
		b.open("/dashboard")
		b.waitFor("dashboard") // still signed in
		b.logout()

		// Back through discovery (Google, emulated: a second link this soon would wait 30 s).
		b.open("/")
		b.waitFor("login-form")
		b.click("Continue with Google", tid("oauth-google"))
		b.providerSignIn(admin)
		b.waitFor("chooser")
		if got := b.text("org-needs"); got != "needs sign-in with Local test SAML" {
			t.Errorf("e2e [%s]: the chooser row says %q", b.who(), got)
		}
		b.click("Continue to Must SSO", chromedp.CSS(`[data-testid="chooser"] [data-testid="org"] button[type="submit"]`))
		b.waitFor("primary-sso")
		b.click("Sign in with SSO", chromedp.CSS(`[data-testid="primary-sso"] [data-testid="sso-start"]`))
		b.idpSignIn(admin, "Ada")
		b.waitFor("dashboard")
		b.wantPath("/dashboard")
		b.logout()

		b.open("/org/must-sso")
		b.waitFor("org-page")
		if b.has("org-login-form") {
			t.Errorf("e2e [%s]: an SSO-only organization's page offers an email link", b.who())
		}
		b.click("Sign in with Local test SAML", tid("sso-start"))
		b.idpSignIn("dee@must-sso-journey.test", "Dee")
		b.waitFor("dashboard")
		wantText(t, b, "dashboard-email", "dee@must-sso-journey.test")
	})
}

// openSSOSetup opens Settings → Single sign-on.
func (b *browser) openSSOSetup() {
	b.t.Helper()
	b.open("/settings")
	b.waitFor("settings-form")
	b.click("Single sign-on", tid("sso-settings-link"))
	b.waitFor("sso-setup")
}

// createLocalConnection fills the SAML or OIDC form with the local test identity provider and
// creates the connection, which is active at once.
func (b *browser) createLocalConnection(kind string) {
	b.t.Helper()
	b.click("Use the local test identity provider", tid(kind+"-local"))
	b.waitFor(kind + "-form")
	b.click("Create "+kind, tid(kind+"-create"))
	b.waitSSONotice("created")
	if got := b.text("notice"); !strings.Contains(got, "active") {
		b.t.Fatalf("e2e [%s]: the new %s connection is not active: %q", b.who(), kind, got)
	}
}

// waitSSONotice waits for the setup page's confirmation containing want.
func (b *browser) waitSSONotice(want string) {
	b.t.Helper()
	b.waitFor("notice")
	b.settle()
	b.wantPath("/settings/sso")
	if got := b.text("notice"); !strings.Contains(got, want) {
		b.t.Fatalf("e2e [%s]: the setup page says %q, want %q", b.who(), got, want)
	}
}

// idpSignIn signs in on the emulated identity provider's page (SAML or OIDC). Without
// JavaScript the SAML answer waits for its Continue button.
func (b *browser) idpSignIn(email, name string) {
	b.t.Helper()
	b.waitFor("idp-form")
	b.typeInto(`form[data-testid="idp-form"] #email`, email)
	b.typeInto(`form[data-testid="idp-form"] #name`, name)
	b.click("the identity provider's sign-in button", `form[data-testid="idp-form"] button[type="submit"]`)
	if !b.js && strings.Contains(b.locationOr(""), "/idp/saml/") {
		b.waitFor("saml-continue")
		b.click("Continue (SAML, without JavaScript)", tid("saml-continue"))
	}
}

// shoot saves the page for the README when $E2E_SCREENSHOTS names a folder (JavaScript on).
func (b *browser) shoot(name string) {
	b.t.Helper()
	if dir := os.Getenv("E2E_SCREENSHOTS"); dir != "" && b.js {
		b.screenshot(dir, name)
	}
}
