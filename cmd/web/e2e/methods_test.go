package e2e

import (
	"testing"
)

// A person asks for a code instead of a link, types a wrong code (told so next to the field),
// then the right one from the inbox, and continues to the chooser and the dashboard.
func TestJourneyEmailCode(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		const email = "coder@codes.test"
		b.open("/")
		b.waitFor("login-form")
		b.typeInto("#email", email)
		b.click("Email me a code instead", tid("send-code"))
		b.waitFor("code-form")
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
		b.waitFor("chooser")
		b.wantPath("/orgs")
		b.createOrg("Coded Co")
		wantText(t, b, "dashboard-email", email)
	})
}

// "Continue with Google" goes through the emulated provider page and lands on the chooser;
// the person creates an organization and reaches the dashboard.
func TestJourneyContinueWithGoogle(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		const email = "gina@google-corp.test"
		b.open("/")
		b.waitFor("login-form")
		b.click("Continue with Google", tid("oauth-google"))
		b.waitFor("idp-form")
		b.typeInto("#email", email)
		b.click("the provider's sign-in button", `form[data-testid="idp-form"] button[type="submit"]`)
		b.waitFor("chooser")
		b.wantPath("/orgs")
		b.createOrg("Google Corp")
		wantText(t, b, "dashboard-email", email)
	})
}
