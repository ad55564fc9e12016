package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	orgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/methodoptions"
)

// TestScreenshots saves the README's screenshots (the chooser with several organizations, the
// dashboard, the members page; desktop and a 390 px phone) into $E2E_SCREENSHOTS, each file
// named with $E2E_SCREENSHOT_PREFIX (e.g. "after-"). Without $E2E_SCREENSHOTS it skips: it
// checks nothing the journeys don't.
//
//	E2E_SCREENSHOTS=$PWD/docs E2E_SCREENSHOT_PREFIX=after- go test ./cmd/web/e2e -run TestScreenshots
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("E2E_SCREENSHOTS")
	if dir == "" {
		t.Skip("set E2E_SCREENSHOTS to a folder to save the README's screenshots")
	}
	prefix := os.Getenv("E2E_SCREENSHOT_PREFIX")
	requireBrowser(t)
	srv := startServer(t)
	b := newBrowser(t, srv, true, "person")
	const email = "ada@acme.test"
	ids := seedChooser(t, srv, email)

	shoot := func(name string) { b.screenshot(dir, prefix+name) }
	b.openLogin()
	shoot("signin")
	b.askCode("lin@elsewhere.test")
	shoot("code")
	b.signIn(email)
	shoot("chooser")
	b.pickOrg(ids[0])
	shoot("dashboard")
	b.click("open the organization menu", tid("org-menu-toggle"))
	shoot("menu")
	b.open("/settings")
	b.waitFor("settings-form")
	shoot("settings")
	b.open("/members")
	b.waitFor("invite-form")
	b.invite("grace@acme.test")
	shoot("members")
	b.open("/account")
	b.waitFor("account")
	shoot("account")
}

// screenshot saves the page as dir/name-desktop.png (1280 px) and dir/name-phone.png (a 390 px
// phone).
func (b *browser) screenshot(dir, name string) {
	b.t.Helper()
	for _, v := range []struct {
		suffix        string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if v.mobile {
			opts = []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile}
		}
		b.do("viewport "+v.suffix, chromedp.EmulateViewport(v.width, v.height, opts...))
		time.Sleep(200 * time.Millisecond)
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		file := filepath.Join(dir, name+"-"+v.suffix+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
		b.t.Logf("saved %s", file)
	}
	b.do("reset viewport", chromedp.EmulateViewport(1280, 900))
}

// seedChooser gives email a varied chooser: two organizations it created (admin), one it was
// invited into and joined (member), a pending invitation, and one it may join by its email
// domain. It returns the IDs of the first two.
func seedChooser(t *testing.T, srv *server, email string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	ids := []string{srv.seedOrg(email, "Acme Corp", "acme-corp"), srv.seedOrg(email, "Acme Labs", "acme-labs")}
	srv.seedMemberships(email, []string{"Globex"}, []string{"globex"})
	sd := srv.seeder()
	inviter, err := sd.CreateOrg(ctx, "hr@initech.test", "Initech", "initech")
	srv.check(err)
	_, err = sd.API.MagicLinks.Email.Invite(ctx,
		&mlemail.InviteParams{OrganizationID: inviter.Organization.OrganizationID, EmailAddress: email, InviteRedirectURL: sd.Redirect, InvitedByMemberID: inviter.Member.MemberID},
		&mlemail.InviteRequestOptions{Authorization: methodoptions.Authorization{SessionToken: inviter.SessionToken}})
	srv.check(err)
	domain, err := sd.CreateOrg(ctx, "boss@acme.test", "Acme Holdings", "acme-holdings")
	srv.check(err)
	_, err = sd.API.Organizations.Update(ctx,
		&orgs.UpdateParams{OrganizationID: domain.Organization.OrganizationID, EmailAllowedDomains: []string{"acme.test"}, EmailJITProvisioning: "RESTRICTED"},
		&orgs.UpdateRequestOptions{Authorization: methodoptions.Authorization{SessionToken: domain.SessionToken}})
	srv.check(err)
	srv.advanceClock(5 * time.Second) // the emulator's per-address mail allowance, for the sign-in
	return ids
}
