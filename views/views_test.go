package views_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/orgpick/orgpick/views"
)

func render(t *testing.T, c templ.Component) (*goquery.Document, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	return doc, html
}

func text(d *goquery.Document, testid string) string {
	return strings.Join(strings.Fields(d.Find(`[data-testid="`+testid+`"]`).First().Text()), " ")
}

var layout = views.LayoutData{Title: "T", CSS: "/assets/app.1.css", JS: "/assets/htmx.1.js", Icon: "/assets/favicon.1.svg"}

func TestLayoutIsCSPFriendly(t *testing.T) {
	t.Parallel()
	doc, html := render(t, views.Page(layout, views.LoginFragment(views.LoginData{})))
	if doc.Find("script:not([src])").Length() > 0 || strings.Contains(html, "<style") || strings.Contains(html, " style=") {
		t.Fatal("inline script or style in the layout")
	}
	cfg := doc.Find(`meta[name="htmx-config"]`).AttrOr("content", "")
	for _, want := range []string{`"allowEval":false`, `"includeIndicatorStyles":false`, `"historyCacheSize":0`, `"code":"422","swap":true`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("htmx-config lacks %s: %s", want, cfg)
		}
	}
	if doc.Find("main#main").Length() != 1 || doc.Find("#flash[role=alert]").Length() != 1 {
		t.Fatal("layout needs #main and an alert #flash")
	}
	if doc.Find("html").AttrOr("lang", "") != "en" || doc.Find("title").Text() != "T · orgpick" {
		t.Fatal("lang and title")
	}
}

func TestLoginFragment(t *testing.T) {
	t.Parallel()
	t.Run("error next to the field", func(t *testing.T) {
		t.Parallel()
		doc, html := render(t, views.LoginFragment(views.LoginData{Email: "bad<x>", Error: "Enter an email address like name@company.com."}))
		in := doc.Find("#email")
		if in.AttrOr("aria-invalid", "") != "true" || in.AttrOr("aria-describedby", "") != "email-error" || in.AttrOr("value", "") != "bad<x>" {
			t.Fatalf("input attributes: %s", html)
		}
		if text(doc, "email-error") == "" || strings.Contains(html, "bad<x>") {
			t.Fatal("error shown and value escaped")
		}
		if f := doc.Find(`[data-testid="login-form"]`); f.AttrOr("method", "") != "post" || f.AttrOr("action", "") != "/login" || f.AttrOr("hx-post", "") != "/login" {
			t.Fatal("the form must work with and without htmx")
		}
	})
	t.Run("clean", func(t *testing.T) {
		t.Parallel()
		doc, _ := render(t, views.LoginFragment(views.LoginData{Notice: views.Notice{Kind: "info", Text: "You're signed out."}}))
		if _, invalid := doc.Find("#email").Attr("aria-invalid"); invalid || doc.Find(`[data-testid="email-error"]`).Length() != 0 {
			t.Fatal("no error state expected")
		}
		if text(doc, "notice") != "You're signed out." {
			t.Fatal("notice")
		}
	})
}

func TestCheckEmailFragment(t *testing.T) {
	t.Parallel()
	doc, _ := render(t, views.CheckEmailFragment(views.CheckEmailData{Email: "ada@acme.test", ResendIn: 25, MailboxURL: "/dev/mailbox?to=ada%40acme.test"}))
	if text(doc, "sent-to") != "ada@acme.test" || !strings.Contains(text(doc, "resend-cooldown"), "25 seconds") {
		t.Fatal("address and cooldown")
	}
	if doc.Find(`[data-testid="resend-form"] input[name=email]`).AttrOr("value", "") != "ada@acme.test" {
		t.Fatal("resend posts the same address")
	}
	// The server would refuse a resend now: the button waits (app.js enables it at zero), and
	// without JavaScript a link reloads the page once the time has passed.
	if doc.Find(`#resend-button[disabled][data-cooldown]`).Length() != 1 || doc.Find(`#resend-cooldown noscript`).Length() != 1 {
		t.Fatal("a disabled resend button, a reload link without JavaScript")
	}
	if doc.Find(`[data-testid="use-another-email"]`).AttrOr("href", "") != "/" || doc.Find(`[data-testid="mailbox-link"]`).Length() != 1 {
		t.Fatal("links")
	}
	doc, _ = render(t, views.CheckEmailFragment(views.CheckEmailData{Email: "a@b.test"}))
	if doc.Find(`[data-testid="mailbox-link"], [data-testid="resend-cooldown"], #resend-button[disabled]`).Length() != 0 {
		t.Fatal("no mailbox link with real Stytch, no cooldown when none, the resend button enabled")
	}
}

func TestChooserFragment(t *testing.T) {
	t.Parallel()
	d := views.ChooserData{
		Email: "ada@acme.test", MinutesLeft: 9, ExpiresAt: time.Now().Add(9 * time.Minute), Total: 3,
		Orgs: []views.OrgChoice{
			{ID: "o2", Name: "Beta", Reason: "You're a member", Group: "member", Last: true},
			{ID: "o3", Name: "Gamma", Reason: "You can join because your email is at acme.test", Group: "domain"},
			{ID: "o1", Name: "alpha", Reason: "You've been invited", Group: "invited", LogoURL: "https://cdn.example/a.png"},
		},
	}
	doc, _ := render(t, views.ChooserFragment(d))
	var order []string
	doc.Find(`[data-testid="org"]`).Each(func(_ int, s *goquery.Selection) { order = append(order, s.AttrOr("data-org-id", "")) })
	if strings.Join(order, ",") != "o2,o1,o3" {
		t.Fatalf("grouped order %v: members, then invitations, then by domain", order)
	}
	if doc.Find(`[data-testid="org-last"]`).Length() != 1 || !strings.Contains(text(doc, "choice-expiry"), "9 minutes") {
		t.Fatal("last used marker and expiry")
	}
	row := doc.Find(`[data-org-id="o1"] form`)
	if row.AttrOr("method", "") != "post" || row.AttrOr("action", "") != "/orgs/select" || row.Find(`input[name=organization_id]`).AttrOr("value", "") != "o1" {
		t.Fatal("each org is a real form")
	}
	if doc.Find(`[data-org-id="o1"] img`).AttrOr("src", "") != "https://cdn.example/a.png" || strings.TrimSpace(doc.Find(`[data-org-id="o2"] .avatar`).Text()) != "B" {
		t.Fatal("logo or initial")
	}
	if doc.Find(`[data-testid="org-filter"]`).Length() != 0 {
		t.Fatal("no filter box for a handful of orgs")
	}

	d.Searchable, d.Query, d.Orgs = true, "zzz", nil
	doc, _ = render(t, views.ChooserFragment(d))
	if doc.Find(`[data-testid="org-filter"]`).AttrOr("method", "") != "get" || !strings.Contains(text(doc, "no-matches"), "zzz") {
		t.Fatal("filter form (plain GET) and the no-match message")
	}

	doc, _ = render(t, views.ChooserFragment(views.ChooserData{Email: "new@x.test", MinutesLeft: 10}))
	if doc.Find(`[data-testid="no-orgs"]`).Length() != 1 || doc.Find(`[data-testid="create-org"]`).Length() != 1 {
		t.Fatal("a new email sees the create form")
	}
}

func TestCreateOrgFragment(t *testing.T) {
	t.Parallel()
	doc, _ := render(t, views.CreateOrgFragment(views.CreateOrgData{Name: "Acme", Slug: "!", Errors: map[string]string{"organization_slug": "Use letters."}}))
	if doc.Find("#organization_slug").AttrOr("aria-invalid", "") != "true" || text(doc, "organization_slug-error") != "Use letters." {
		t.Fatal("slug error next to the field")
	}
	if _, bad := doc.Find("#organization_name").Attr("aria-invalid"); bad || doc.Find("#organization_name").AttrOr("value", "") != "Acme" {
		t.Fatal("the valid field is kept and not marked")
	}
}

func TestDashboardFragment(t *testing.T) {
	t.Parallel()
	exp := time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC)
	doc, _ := render(t, views.DashboardFragment(views.DashboardData{
		Email: "ada@acme.test", OrgName: "Acme", Role: "Admin", ExpiresAt: exp,
		Others: []views.OrgChoice{{ID: "o9", Name: "Other", Reason: "You're a member", Group: "member"}},
	}))
	if text(doc, "dashboard-org") != "Acme" || text(doc, "dashboard-email") != "ada@acme.test" || text(doc, "dashboard-role") != "Admin" {
		t.Fatal("facts")
	}
	if doc.Find(`[data-testid="dashboard-expiry"] time`).AttrOr("datetime", "") != "2030-01-02T03:04:00Z" {
		t.Fatal("expiry as a machine-readable time")
	}
	if doc.Find(`[data-testid="switcher"] form[action="/orgs/switch"]`).Length() != 1 {
		t.Fatal("switcher posts to /orgs/switch")
	}
	if f := doc.Find(`[data-testid="new-org-dashboard"] form`); f.AttrOr("method", "") != "post" || f.AttrOr("action", "") != "/orgs/new" || f.Find(`input[name=organization_name]`).Length() != 1 {
		t.Fatal("creating another organization is one POST form with its name")
	}
}

// Signed-in pages carry a header with the current organization, a switcher, the email and
// logout; htmx responses carry the same header out of band.
func TestSessionHeader(t *testing.T) {
	t.Parallel()
	l := layout
	l.Session = &views.SessionBar{Email: "ada@acme.test", OrgID: "o1", OrgName: "Acme", Role: "Admin",
		Others: []views.OrgChoice{{ID: "o2", Name: "Beta", Verb: "Switch", Group: "member"}}, More: 3}
	doc, _ := render(t, views.Page(l, views.DashboardFragment(views.DashboardData{Email: "ada@acme.test", OrgName: "Acme"})))
	if text(doc, "header-org") != "Acme" || text(doc, "header-email") != "ada@acme.test" {
		t.Fatal("the header names the organization and the email")
	}
	if doc.Find(`[data-testid="header-switcher"] form[action="/orgs/switch"] input[value="o2"]`).Length() != 1 || text(doc, "header-all-orgs") != "All 5 of your organizations" {
		t.Fatal("the header switches organization, and links to the rest")
	}
	if f := doc.Find(`[data-testid="logout-form"]`); f.AttrOr("method", "") != "post" || f.AttrOr("action", "") != "/logout" {
		t.Fatal("logout is a POST form")
	}
	doc, _ = render(t, views.SessionHeader(nil, true))
	if bar := doc.Find("#session-bar"); bar.AttrOr("hx-swap-oob", "") != "true" || bar.Children().Length() != 0 {
		t.Fatal("signed out: an empty header, out of band")
	}
}

func TestErrorPage(t *testing.T) {
	t.Parallel()
	doc, html := render(t, views.Page(layout, views.ErrorSection("Please wait a moment", "Please wait 20 seconds.", "/", "Back to sign in")))
	if text(doc, "error-message") != "Please wait 20 seconds." || doc.Find(`[data-testid="error-next"]`).AttrOr("href", "") != "/" {
		t.Fatal(html)
	}
	if text(doc, "error-heading") != "Please wait a moment" || doc.Find("h1").AttrOr("aria-describedby", "") != "error-message" {
		t.Fatal("headed by what happened, the message tied to it")
	}
}

// The chooser: one verb per reason, the role and the slug, distinct avatars for look-alike
// names, and an accessible name that starts with the visible verb.
func TestChooserRows(t *testing.T) {
	t.Parallel()
	d := views.ChooserData{Email: "ada@acme.test", MinutesLeft: 10, Total: 4, Orgs: []views.OrgChoice{
		{ID: "organization-a", Name: "Acme Corp", Slug: "acme-corp", Reason: "You're an admin", Group: "member", Verb: "Continue", Last: true},
		{ID: "organization-b", Name: "Acme Labs", Slug: "acme-labs", Reason: "You're a member", Group: "member", Verb: "Continue"},
		{ID: "organization-c", Name: "Initech", Reason: "You've been invited", Group: "invited", Verb: "Accept invitation"},
		{ID: "organization-d", Name: "Holdings", Reason: "Anyone with an email at acme.test can join", Group: "domain", Verb: "Join"},
	}}
	doc, _ := render(t, views.ChooserFragment(d))
	var verbs []string
	doc.Find(`[data-testid="org-go"]`).Each(func(_ int, s *goquery.Selection) {
		verbs = append(verbs, strings.TrimSpace(s.Contents().First().Text()))
	})
	if strings.Join(verbs, ",") != "Continue,Continue,Accept invitation,Join" {
		t.Fatalf("verbs %v", verbs)
	}
	if got := strings.Join(strings.Fields(doc.Find(`[data-org-id="organization-d"] button`).Text()), " "); got != "Join Holdings" {
		t.Fatalf("accessible name %q", got)
	}
	a, b := doc.Find(`[data-org-id="organization-a"] .avatar`), doc.Find(`[data-org-id="organization-b"] .avatar`)
	if a.Text() != "AC" || b.Text() != "AL" || a.AttrOr("class", "") == "" {
		t.Fatalf("initials %q %q", a.Text(), b.Text())
	}
	if text(doc, "org-slug") != "acme-corp" || doc.Find(`details[data-testid="create-toggle"]`).Length() != 1 {
		t.Fatal("slug shown; create is a disclosure when there are orgs")
	}
	if _, primary := doc.Find(`[data-org-id="organization-a"] button`).Attr("class"); !primary || strings.Contains(doc.Find(`[data-org-id="organization-a"] button`).AttrOr("class", ""), "secondary") {
		t.Fatal("the last-used row is the primary action")
	}
	doc, _ = render(t, views.ChooserFragment(views.ChooserData{Email: "new@x.test", MinutesLeft: 10, Create: views.CreateOrgData{First: true}}))
	if doc.Find("h1").Text() != "Create your organization" || doc.Find("#organization_name[autofocus]").Length() != 1 || doc.Find("details").Length() != 0 {
		t.Fatal("nothing to choose: the create form is the page, focused")
	}
}

// A cooldown says why and counts down (app.js) in the form that was sent, tied to its field.
func TestCooldownInTheForm(t *testing.T) {
	t.Parallel()
	doc, _ := render(t, views.LoginFragment(views.LoginData{Email: "ada@acme.test", Cooldown: views.Cooldown{Text: "We sent a link … you can ask for another in", Seconds: 24}}))
	in := doc.Find("#email")
	if in.AttrOr("value", "") != "ada@acme.test" || in.AttrOr("aria-describedby", "") != "login-cooldown" {
		t.Fatal("the address kept, the field described by the cooldown")
	}
	if doc.Find(`#login-cooldown [data-countdown="24"]`).Text() != "24 seconds" {
		t.Fatal("a countdown app.js can tick")
	}
	// At zero app.js says only "You can try again now." (no "in 0 seconds") and enables the
	// email buttons; SSO isn't limited, so it stays enabled.
	if doc.Find(`#login-cooldown .countdown-wait [data-countdown]`).Length() != 1 || doc.Find(`#login-cooldown .countdown-ready[hidden]`).Length() != 1 {
		t.Fatal("the waiting sentence and the ready one, apart")
	}
	if doc.Find(`#login-form button[disabled][data-cooldown]`).Length() != 2 {
		t.Fatal("both email buttons wait for the countdown")
	}
	if !strings.Contains(doc.Find(`#login-cooldown noscript`).Text(), `href="/"`) { // noscript is raw text to a parser with scripting on
		t.Fatal("without JavaScript, a link to reload the form")
	}
	if _, invalid := in.Attr("aria-invalid"); invalid {
		t.Fatal("a cooldown isn't an invalid address")
	}
}

// An address wraps after its "@" before it breaks anywhere else, the same on every page.
func TestEmailWrapsAfterAt(t *testing.T) {
	t.Parallel()
	doc, _ := render(t, views.CheckEmailFragment(views.CheckEmailData{Email: "ada.lovelace@analytical-engines.test"}))
	sent := doc.Find(`[data-testid="sent-to"] .email`)
	if sent.Text() != "ada.lovelace@analytical-engines.test" || sent.Find("wbr").Length() != 1 {
		t.Fatalf("the address %q, with a break opportunity after its @", sent.Text())
	}
	if html, _ := sent.Html(); !strings.Contains(html, "@<wbr/>analytical") {
		t.Fatalf("the break opportunity sits right after the @: %s", html)
	}
}

// Recovery codes can be copied (app.js, one a line) or downloaded as a text file (a data: link,
// no JavaScript needed); the authenticator key can be copied as the app wants it (no spaces).
func TestRecoveryCodesCopyAndDownload(t *testing.T) {
	t.Parallel()
	doc, _ := render(t, views.RecoveryCodesFragment(views.RecoveryCodesData{Codes: []string{"abcd-efgh-ijkl", "mnop-qrst-uvwx"}, Action: "/mfa/recovery-codes", Label: "I saved them"}))
	if doc.Find(`button[data-copy="recovery-code-list"][hidden]`).Length() != 1 || doc.Find("#recovery-code-list").AttrOr("data-copy-text", "") != "abcd-efgh-ijkl\nmnop-qrst-uvwx" {
		t.Fatal("a copy button (shown by app.js) for the codes, one a line")
	}
	dl := doc.Find(`[data-testid="download-recovery-codes"]`)
	if dl.AttrOr("download", "") == "" || dl.AttrOr("href", "") != "data:text/plain;charset=utf-8,abcd-efgh-ijkl%0D%0Amnop-qrst-uvwx%0D%0A" {
		t.Fatalf("a download link: %q", dl.AttrOr("href", ""))
	}
	doc, _ = render(t, views.TOTPSetup(views.TOTPSetupData{Secret: "ABCDEFGHIJKLMNOP", QRCode: "data:image/png;base64,AA=="}))
	if doc.Find(`button[data-copy="totp-secret"]`).Length() != 1 || doc.Find("#totp-secret").AttrOr("data-copy-text", "") != "ABCDEFGHIJKLMNOP" {
		t.Fatal("a copy button for the key, copying it without the grouping spaces")
	}
}
