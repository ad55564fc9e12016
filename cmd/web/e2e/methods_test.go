package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
)

// A person asks for a code instead of a link, types a wrong code (told so next to the field),
// then the right one from the inbox, and continues to the chooser and the dashboard.
func TestJourneyEmailCode(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		const email = "coder@codes.test"
		b.askCode(email)
		wantText(t, b, "sent-to", email)
		msgs := b.srv.mailbox(email)
		if len(msgs) == 0 || msgs[0].Kind != "discovery_otp" || len(msgs[0].Code) != 6 {
			t.Fatalf("e2e [%s]: no code in the mailbox for %s: %+v", b.who(), email, msgs)
		}
		code := msgs[0].Code
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		b.expectHTTPError("/authenticate/code", 422)
		b.typeInto("#code", wrong)
		b.click("Sign in with the code", `#code-form button[type="submit"]`)
		b.waitFor("code-error")
		if got := b.text("code-error"); got == "" {
			t.Fatalf("e2e [%s]: no message for a wrong code", b.who())
		}
		b.typeInto("#code", code)
		b.click("Sign in with the code", `#code-form button[type="submit"]`)
		b.createFirstOrg("Coded Co", email)
	})
}

// "Continue with Google" goes through the emulated provider page and lands on the chooser;
// the person creates an organization and reaches the dashboard.
func TestJourneyContinueWithGoogle(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		const email = "gina@google-corp.test"
		b.openLogin()
		b.click("Continue with Google", tid("oauth-google"))
		b.providerSignIn(email)
		b.createFirstOrg("Google Corp", email)
	})
}

// An organization that accepts only Google sign-in, reached with an email link: the chooser
// says so, picking it lands on the provider step ("Continue with Google"). Another account at
// the provider brings the person back to the step with the problem said (the heading focused
// and described by it); the same person's account then leads to that organization's dashboard.
func TestJourneyOAuthRestrictedOrg(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		const email = "rita@google-only.test"
		orgID := b.srv.seedOrg(email, "Google Only", "google-only")
		_, err := b.srv.seeder().API.Organizations.Update(t.Context(), &organizations.UpdateParams{
			OrganizationID: orgID, AuthMethods: "RESTRICTED", AllowedAuthMethods: []string{"google_oauth"},
		})
		if err != nil {
			t.Fatal(err)
		}
		b.signIn(email)
		row := `[data-testid="chooser"] [data-testid="org"][data-org-id="` + orgID + `"]`
		if got := eval[string](b, `document.querySelector('`+row+` [data-testid="org-needs"]')?.textContent.trim() ?? ""`); got != "needs sign-in with Google" {
			t.Errorf("e2e [%s]: the chooser row says %q", b.who(), got)
		}
		b.click("Continue to Google Only", chromedp.CSS(row+` button[type="submit"]`))
		b.waitFor("primary-oauth-google")
		b.settle()
		b.wantPath("/mfa")
		b.checkNarrow(320)
		b.click("Continue with Google", tid("primary-oauth-google"))
		b.waitFor("idp-form")
		if got := eval[string](b, `document.querySelector("#email").value`); got != email {
			t.Errorf("e2e [%s]: the provider page suggests %q, want the step's email", b.who(), got)
		}
		b.providerSignIn("someone-else@google-only.test")
		b.waitFor("notice")
		b.wantPath("/mfa")
		if got := b.text("notice"); !strings.Contains(got, "isn't "+email) {
			t.Errorf("e2e [%s]: after another account the step says %q", b.who(), got)
		}
		if got := eval[string](b, `document.activeElement ? document.activeElement.tagName + " " + (document.activeElement.getAttribute("aria-describedby") || "") : ""`); got != "H1 notice" {
			t.Errorf("e2e [%s]: focus on %q, want the heading described by the notice", b.who(), got)
		}
		b.click("Continue with Google", tid("primary-oauth-google"))
		b.providerSignIn(email)
		b.waitFor("dashboard")
		b.wantPath("/dashboard")
		wantText(t, b, "dashboard-org", "Google Only")
		wantText(t, b, "dashboard-email", email)
	})
}

// A code typed after it expired (the emulator's clock moved past its 10 minutes) is refused by
// the field, which keeps the focus; the page offers a new code.
func TestJourneyExpiredCode(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		const email = "late@codes.test"
		b.askCode(email)
		msgs := b.srv.mailbox(email)
		if len(msgs) == 0 || msgs[0].Code == "" {
			t.Fatalf("e2e [%s]: no code for %s", b.who(), email)
		}
		b.srv.advanceClock(11 * time.Minute)
		b.expectHTTPError("/authenticate/code", http.StatusUnprocessableEntity)
		b.typeInto("#code", msgs[0].Code)
		b.click("Sign in with the code", `#code-form button[type="submit"]`)
		b.waitFor("code-error")
		if got := b.text("code-error"); !strings.Contains(got, "expired") {
			t.Errorf("e2e [%s]: an expired code says %q", b.who(), got)
		}
		b.wantFocus("code")
		if !b.has("resend-form") {
			t.Errorf("e2e [%s]: no way to get a new code", b.who())
		}
	})
}

// "Continue with Microsoft" through the emulated provider to the chooser and a new
// organization's dashboard. Then a new start, and the old return address instead of the new
// one: Stytch refuses the spent token, and the page says so, not a raw error.
func TestJourneyMicrosoftSpentToken(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		const email = "mia@microsoft-corp.test"
		b.openLogin()
		b.click("Continue with Microsoft", tid("oauth-microsoft"))
		b.waitFor("idp-form")
		landing := b.providerReturn(email)
		b.open(landing)
		b.createFirstOrg("Microsoft Corp", email)

		b.logout() // "Continue with …" is a button on the email form
		b.click("Continue with Microsoft", tid("oauth-microsoft"))
		b.waitFor("idp-form")
		b.expectHTTPError("/authenticate", http.StatusBadRequest)
		b.open(landing)
		b.waitFor("error-page")
		if got := b.text("error-message"); !strings.Contains(got, "expired or was already used") {
			t.Errorf("e2e [%s]: a spent token says %q", b.who(), got)
		}
		if strings.Contains(b.text("error-page"), "oauth_token_not_found") {
			t.Errorf("e2e [%s]: the page shows Stytch's error type", b.who())
		}
	})
}

// providerSignIn waits for the emulated provider page, types email and signs in there.
func (b *browser) providerSignIn(email string) {
	b.t.Helper()
	b.waitFor("idp-form")
	b.typeInto("#email", email)
	b.click("the provider's sign-in button", `form[data-testid="idp-form"] button[type="submit"]`)
}

// providerReturn signs in on the emulated provider page the browser is on, as email, and
// returns where the provider sends the browser back (with its token) without going there.
func (b *browser) providerReturn(email string) string {
	b.t.Helper()
	action := eval[string](b, `document.querySelector('form[data-testid="idp-form"]').action`)
	state := eval[string](b, `document.querySelector('form[data-testid="idp-form"] input[name="state"]').value`)
	noFollow := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.PostForm(action, url.Values{"state": {state}, "email": {email}})
	if err != nil {
		b.t.Fatalf("e2e [%s]: provider sign-in: %v", b.who(), err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") == "" {
		b.t.Fatalf("e2e [%s]: provider sign-in: status %d", b.who(), resp.StatusCode)
	}
	return resp.Header.Get("Location")
}
