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
		"verify": views.MFAFragment(views.MFAData{OrgName: "Acme", Focus: "totp-code", MinutesLeft: 9, Forms: []templ.Component{
			views.TOTPForm(views.FactorForm{OrgName: "Acme", First: true, Focus: "totp-code"}),
			views.SMSForm(views.FactorForm{OrgName: "Acme", Phone: "••••0100", Focus: "totp-code"}),
			views.RecoveryForm(views.FactorForm{Focus: "totp-code"}),
		}}),
		"verify sms": views.MFAFragment(views.MFAData{OrgName: "Acme", Focus: "sms-code", Forms: []templ.Component{
			views.SMSForm(views.FactorForm{OrgName: "Acme", First: true, Sent: true, Focus: "sms-code", Errors: views.FieldErrors{views.FieldCode: "wrong"}}),
			views.TOTPForm(views.FactorForm{OrgName: "Acme", Focus: "sms-code"}),
			views.RecoveryForm(views.FactorForm{Focus: "sms-code"}),
		}}),
		"recovery error": views.MFAFragment(views.MFAData{OrgName: "Acme", Focus: "recovery-code", Forms: []templ.Component{
			views.TOTPForm(views.FactorForm{OrgName: "Acme", First: true, Focus: "recovery-code"}),
			views.RecoveryForm(views.FactorForm{Focus: "recovery-code", Errors: views.FieldErrors{views.FieldRecoveryCode: "used"}}),
		}}),
		"enrol": views.MFAFragment(views.MFAData{Mode: views.MFAEnrol, OrgName: "Acme", Focus: "phone-number", Forms: []templ.Component{
			views.TOTPForm(views.FactorForm{Mode: views.MFAEnrol, OrgName: "Acme", First: true, Focus: "phone-number"}),
			views.SMSForm(views.FactorForm{Mode: views.MFAEnrol, OrgName: "Acme", Focus: "phone-number", Errors: views.FieldErrors{views.FieldPhone: "bad"}}),
		}}),
		"enrol setup": views.MFAFragment(views.MFAData{Mode: views.MFAEnrol, OrgName: "Acme", Focus: "totp-code", Forms: []templ.Component{
			views.TOTPForm(views.FactorForm{Mode: views.MFAEnrol, OrgName: "Acme", First: true, Setup: setup, Focus: "totp-code"}),
			views.SMSForm(views.FactorForm{Mode: views.MFAEnrol, OrgName: "Acme", Focus: "totp-code"}),
		}}),
		"primary": views.MFAFragment(views.MFAData{Mode: views.MFAPrimary, OrgName: "Acme", Primary: []string{"SSO"}}),
		"account": views.AccountFragment(views.AccountData{OrgName: "Acme", Sections: []templ.Component{
			views.AccountTOTP(views.FactorForm{OrgName: "Acme", Has: true, Offered: true}),
			views.AccountSMS(views.FactorForm{OrgName: "Acme", Has: true, Offered: true, Phone: "••••0100"}),
		}}),
		"account setup": views.AccountFragment(views.AccountData{OrgName: "Acme", Focus: "totp-code", Sections: []templ.Component{
			views.AccountTOTP(views.FactorForm{OrgName: "Acme", Offered: true, Setup: setup, Focus: "totp-code"}),
			views.AccountSMS(views.FactorForm{OrgName: "Acme", Offered: true, Phone: "••••0100", Sent: true, Focus: "totp-code"}),
		}}),
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
