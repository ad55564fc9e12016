package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/orgpick/orgpick/emulator"
)

// The admin requires a second sign-in step on /settings and invites someone. The invitee opens
// the invitation, sets up an authenticator app (the code computed from the secret on the page
// and the emulator's clock), types a wrong code first (a message, the focus back on the field),
// then the right one, sees the recovery codes once and reaches the dashboard. Signing in again
// from the email form and picking the organization asks for the app's code, which leads to
// the dashboard. The enrolment page has no horizontal scroll at 320 px.
func TestJourneyMFATOTP(t *testing.T) {
	runJourney(t, func(t *testing.T, b *browser) {
		admin := b.admin()
		admin.signIn("boss@corp.test")
		admin.createOrg("Corp")
		admin.invite("new@corp.test")
		admin.requireMFA()

		link := b.openNewestMail("new@corp.test", false)
		b.pressContinue("mfa")
		b.wantPath("/mfa")
		b.click("Set up an authenticator app", `#totp-setup-form button[type="submit"]`)
		b.waitFor("totp-setup")
		b.settle()
		b.wantPath("/mfa")
		b.wantFocus("totp-code")
		b.checkNarrow(320)
		secret := eval[string](b, `document.querySelector("[data-totp-secret]").dataset.totpSecret`)
		if shown := strings.ReplaceAll(b.text("totp-secret"), " ", ""); shown != secret {
			t.Fatalf("e2e [%s]: the page shows the secret as %q, its data-totp-secret is %q", b.who(), shown, secret)
		}

		code := b.totp(secret, 0)
		b.expectHTTPError("/mfa/totp", http.StatusUnprocessableEntity)
		b.enterCode("#totp-code", wrongCode(code), "totp-code-error")
		if got := b.text("totp-code-error"); !strings.Contains(got, "isn't right") {
			t.Errorf("e2e [%s]: wrong code says %q", b.who(), got)
		}
		if b.js {
			b.wantPath("/mfa") // htmx swapped the form in place
		} else {
			b.wantPath("/mfa/totp") // the 422 answer to the POST: the same page and form
		}
		b.wantFocus("totp-code")
		b.enterCode("#totp-code", code, "recovery-codes")
		b.wantPath("/mfa/recovery-codes")
		if n := b.count("[data-recovery-code]"); n != 10 {
			t.Errorf("e2e [%s]: %d recovery codes shown, want 10", b.who(), n)
		}
		b.toDashboard("I saved them", func() { b.click("I saved them", `#recovery-codes-form button[type="submit"]`) })
		wantText(t, b, "dashboard-org", "Corp")
		wantText(t, b, "dashboard-role", "Member")
		b.logout()

		// Again, from the email form: pick the organization, then the app's code.
		b.signIn("new@corp.test")
		b.click("Continue to Corp", `[data-testid="chooser"] [data-testid="org"] button[type="submit"]`)
		b.waitFor("totp-form")
		b.settle()
		b.wantPath("/mfa")
		b.wantFocus("totp-code")
		if b.has("totp-setup") {
			t.Errorf("e2e [%s]: signing in again shows the setup again", b.who())
		}
		b.toDashboard("verify with the app", func() {
			b.typeInto("#totp-code", b.totp(secret, 30*time.Second)) // the code of the next step: this one's is spent
			b.click("Verify", `#totp-form button[type="submit"]`)
		})
		wantText(t, b, "dashboard-org", "Corp")
		b.checkNoToken(link)
	})
}

// requireMFA sets REQUIRED_FOR_ALL on the settings page, as an admin.
func (b *browser) requireMFA() {
	b.t.Helper()
	b.open("/settings")
	b.waitFor("mfa-settings-form")
	b.click("Everyone", "#mfa-policy-required")
	b.click("Save sign-in security", `#mfa-settings-form button[type="submit"]`)
	b.waitFor("notice")
	b.settle()
	if got := b.text("notice"); !strings.Contains(got, "Sign-in security saved") {
		b.t.Fatalf("e2e [%s]: after saving MFA settings the notice says %q", b.who(), got)
	}
	if !eval[bool](b, `document.querySelector("#mfa-policy-required").checked`) {
		b.t.Fatalf("e2e [%s]: REQUIRED_FOR_ALL is not selected after saving", b.who())
	}
}

// enterCode types a code into field, presses its form's button and waits for the element
// with this data-testid.
func (b *browser) enterCode(field, code, want string) {
	b.t.Helper()
	b.typeInto(chromedp.CSS(field), code)
	b.click("Verify", chromedp.CSS(`form:has(`+field+`) button[type="submit"]`))
	b.waitFor(want)
	b.settle()
}

// totp is what an authenticator app holding secret shows at the emulator's time plus ahead.
func (b *browser) totp(secret string, ahead time.Duration) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.srv.URL+"/dev/clock", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatalf("e2e: GET /dev/clock: %v", err)
	}
	defer resp.Body.Close()
	var clock struct{ Now time.Time }
	if err := json.NewDecoder(resp.Body).Decode(&clock); err != nil {
		b.t.Fatalf("e2e: GET /dev/clock: %v", err)
	}
	return emulator.TOTPCode(secret, clock.Now.Add(ahead))
}

// wrongCode is a 6-digit code that is not code.
func wrongCode(code string) string {
	c := []byte(code)
	c[0] = '0' + (c[0]-'0'+5)%10
	return string(c)
}

// viewport sets the tab's width in CSS pixels (a phone when mobile); 0 restores the window's.
func (b *browser) viewport(width int64, mobile bool) {
	b.t.Helper()
	b.call(fmt.Sprintf("viewport %d", width), func(ctx context.Context) error {
		if width == 0 {
			_, err := chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
			return err
		}
		_, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: width, Height: 900, DeviceScaleFactor: 1, Mobile: mobile})
		return err
	})
	time.Sleep(100 * time.Millisecond) // let the layout follow
}

// checkNarrow: at width CSS pixels the page does not scroll sideways.
func (b *browser) checkNarrow(width int64) {
	b.t.Helper()
	b.viewport(width, true)
	defer b.viewport(0, false)
	if sw := eval[int64](b, `document.documentElement.scrollWidth`); sw > width {
		b.t.Errorf("e2e [%s]: at %d px the page is %d px wide: it scrolls sideways", b.who(), width, sw)
	}
}

// Screenshots of the enrolment page for the docs, desktop and a 390 px phone: set
// MFA_SCREENSHOTS to a folder to take them (docs/mfa-enrolment.png is the desktop one).
func TestMFAEnrolmentScreenshots(t *testing.T) {
	dir := os.Getenv("MFA_SCREENSHOTS")
	if dir == "" {
		t.Skip("set MFA_SCREENSHOTS=<folder> to take screenshots of the enrolment page")
	}
	requireBrowser(t)
	srv := startServer(t)
	admin := newBrowser(t, srv, true, "admin")
	admin.signIn("ada@acme.test")
	admin.createOrg("Acme Rockets")
	admin.invite("grace@acme.test")
	admin.requireMFA()
	b := newBrowser(t, srv, true, "person")
	b.openNewestMail("grace@acme.test", false)
	b.pressContinue("mfa")
	b.click("Set up an authenticator app", `#totp-setup-form button[type="submit"]`)
	b.waitFor("totp-setup")
	b.settle()
	for _, v := range []struct {
		name   string
		width  int64
		mobile bool
	}{{"desktop", 1280, false}, {"phone", 390, true}} {
		b.viewport(v.width, v.mobile)
		b.call("screenshot "+v.name, func(ctx context.Context) error {
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, "mfa-enrolment-"+v.name+".png"), png, 0o644)
			}
			return err
		})
	}
	b.viewport(0, false)
}
