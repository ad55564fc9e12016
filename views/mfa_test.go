package views_test

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/orgpick/orgpick/views"
)

// Every field of the MFA and account pages has a label, its aria-describedby names elements
// that exist, exactly one element has autofocus, and every form is a real POST (htmx or not).
func TestMFAPagesAccessible(t *testing.T) {
	t.Parallel()
	setup := &views.TOTPSetupData{QRCode: "data:image/png;base64,iVBORw0KGgo=", Secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}
	for name, c := range map[string]templ.Component{
		"verify":         views.MFAFragment(views.MFAData{OrgName: "Acme", TOTP: true, TextMe: true, Recovery: true, Phone: "••••0100", Focus: "totp-code", MinutesLeft: 9}),
		"verify sms":     views.MFAFragment(views.MFAData{OrgName: "Acme", SMSCode: true, TOTP: true, Recovery: true, Focus: "sms-code", Errors: map[string]string{"sms": "wrong"}}),
		"recovery error": views.MFAFragment(views.MFAData{OrgName: "Acme", TOTP: true, Recovery: true, Focus: "recovery-code", Errors: map[string]string{"recovery": "used"}}),
		"enrol":          views.MFAFragment(views.MFAData{OrgName: "Acme", Enrol: true, OfferTOTP: true, OfferSMS: true, Errors: map[string]string{"phone": "bad"}, Focus: "phone-number"}),
		"enrol setup":    views.MFAFragment(views.MFAData{OrgName: "Acme", Enrol: true, OfferTOTP: true, OfferSMS: true, Setup: setup, Focus: "totp-code"}),
		"primary":        views.MFAFragment(views.MFAData{OrgName: "Acme", Primary: []string{"SSO"}}),
		"account":        views.AccountFragment(views.AccountData{OrgName: "Acme", TOTP: true, OfferTOTP: true, OfferSMS: true, Phone: "••••0100"}),
		"account setup":  views.AccountFragment(views.AccountData{OrgName: "Acme", OfferTOTP: true, OfferSMS: true, Setup: setup, PhoneSent: "••••0100", Focus: "totp-code"}),
		"recovery codes": views.RecoveryCodesFragment(views.RecoveryCodesData{Codes: []string{"abcd-efgh-ijkl"}, Action: "/mfa/recovery-codes", Label: "I saved them"}),
		"mfa settings":   views.MFASettingsForm(views.MFASettingsData{Required: true, AllowTOTP: true, Errors: map[string]string{"mfa_methods": "none"}}),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc, _ := render(t, c)
			doc.Find("input:not([type=hidden]), textarea, select").Each(func(_ int, f *goquery.Selection) {
				id := f.AttrOr("id", "")
				if id == "" || doc.Find(`label[for="`+id+`"]`).Length() == 0 {
					t.Errorf("field %s (id %q) has no label", f.AttrOr("name", "?"), id)
				}
			})
			doc.Find("[aria-describedby]").Each(func(_ int, el *goquery.Selection) {
				for _, ref := range strings.Fields(el.AttrOr("aria-describedby", "")) {
					if doc.Find("#"+ref).Length() == 0 {
						t.Errorf("aria-describedby names #%s, which is not on the page", ref)
					}
				}
			})
			if n := doc.Find("[autofocus]").Length(); n > 1 {
				t.Errorf("%d elements have autofocus", n)
			}
			doc.Find("form").Each(func(_ int, f *goquery.Selection) {
				if f.AttrOr("method", "") != "post" || f.AttrOr("action", "") == "" || f.AttrOr("hx-post", "") != f.AttrOr("action", "") {
					t.Errorf("form %q is not a plain POST with the same hx-post", f.AttrOr("id", "?"))
				}
			})
			doc.Find(`input[name="code"]`).Each(func(_ int, f *goquery.Selection) {
				if f.AttrOr("autocomplete", "") != "one-time-code" || f.AttrOr("inputmode", "") != "numeric" {
					t.Errorf("code field %q lacks autocomplete=one-time-code / inputmode=numeric", f.AttrOr("id", ""))
				}
			})
		})
	}
}

// The secret is shown in groups of four, and data-totp-secret holds it whole.
func TestTOTPSetupShowsSecret(t *testing.T) {
	t.Parallel()
	doc, _ := render(t, views.TOTPSetup(views.TOTPSetupData{QRCode: "data:image/png;base64,AAAA", Secret: "JBSWY3DPEHPK3PXP"}))
	el := doc.Find("[data-totp-secret]")
	if el.AttrOr("data-totp-secret", "") != "JBSWY3DPEHPK3PXP" || el.Text() != "JBSW Y3DP EHPK 3PXP" {
		t.Fatalf("secret %q / %q", el.AttrOr("data-totp-secret", ""), el.Text())
	}
	if src := doc.Find("img.qr").AttrOr("src", ""); src != "data:image/png;base64,AAAA" {
		t.Fatalf("QR src %q", src)
	}
}
