package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// MFAVerifier is what MFA needs of the Stytch adapter.
type MFAVerifier interface {
	CreateTOTP(ctx context.Context, p stytchb2b.Proof, orgID, memberID string) (stytchb2b.TOTPSetup, error)
	AuthenticateTOTP(ctx context.Context, p stytchb2b.Proof, orgID, memberID, code string, enrolling bool) (stytchb2b.Session, error)
	SendSMS(ctx context.Context, p stytchb2b.Proof, orgID, memberID, phone string) error
	AuthenticateSMS(ctx context.Context, p stytchb2b.Proof, orgID, memberID, code string, enrolling bool) (stytchb2b.Session, error)
	Recover(ctx context.Context, p stytchb2b.Proof, orgID, memberID, code string) (stytchb2b.Session, int, error)
	ListOrgs(ctx context.Context, sessionToken string) ([]stytchb2b.Org, error)
	AuthenticateOAuth(ctx context.Context, token, verifier, ist string) (stytchb2b.Session, error)
}

// MFAPending is a second sign-in step in progress, held server-side (like Pending): the IST
// Stytch bound to this member of this organization, what the member can use, and what this
// step has done so far. Neither the IST nor a new app's secret or recovery codes reach a
// cookie; the secret is shown on the page, as it must be.
type MFAPending struct {
	stytchb2b.MFAStep
	Others    []stytchb2b.Org `json:"others"`              // the switcher's orgs once signed in
	ListOrgs  bool            `json:"list_orgs,omitempty"` // ask Stytch for them instead (invitation links)
	ExpiresAt time.Time       `json:"expires_at"`
	// SMSTo is the number a code was texted to during this step ("" = none yet, unless
	// Stytch texted one itself: MFAStep.SMSSent).
	SMSTo string               `json:"sms_to,omitempty"`
	Setup *stytchb2b.TOTPSetup `json:"setup,omitempty"` // an authenticator app being set up
	// Problem is what went wrong with the organization's own sign-in (mfa_oauth.go), said
	// once on the step's page.
	Problem string `json:"problem,omitempty"`
}

// proof is what the MFA calls present: this step's IST.
func (p MFAPending) proof() stytchb2b.Proof { return stytchb2b.Proof{IST: p.IST} }

// smsSent reports whether a code is on its way to the member's phone.
func (p MFAPending) smsSent() bool { return p.SMSTo != "" || p.SMSSent && p.Phone != "" }

// mfa returns the second sign-in step in progress, if any.
func (s sessionState) mfa(ctx context.Context) (MFAPending, bool) {
	var p MFAPending
	return p, s.get(ctx, keyMFA, &p) && p.IST != ""
}

// putMFA keeps the step (server-side, with the rest of the session).
func (s sessionState) putMFA(ctx context.Context, p MFAPending) { s.put(ctx, keyMFA, p) }

// forgetMFA drops the step (expired, or the person starts again).
func (s sessionState) forgetMFA(ctx context.Context) { s.sm.Remove(ctx, keyMFA) }

// needsMFA starts the second sign-in step when err says Stytch wants one (a sign-in answered
// member_authenticated false): the new IST and the member's options are kept server-side and
// the person goes to GET /mfa. It returns false, doing nothing, for any other err.
func (s *signer) needsMFA(w http.ResponseWriter, r *http.Request, err error, after afterStep) bool {
	var req *stytchb2b.MFARequiredError
	if !errors.As(err, &req) {
		return false
	}
	p := MFAPending{MFAStep: req.Step, Others: after.Others, ListOrgs: after.ListOrgs, ExpiresAt: s.now().Add(istLifetime)}
	s.state.putMFA(r.Context(), p)
	s.re.log.Info("second sign-in step started", "org", req.Step.Org.ID)
	redirect(w, r, "/mfa")
	return true
}

// MFA serves the second sign-in step: verifying a factor, setting up a first one, and the
// recovery codes of a new authenticator app.
type MFA struct {
	re         *responder
	state      sessionState
	stytch     MFAVerifier
	signer     *signer
	oauth      OAuthConfig // an organization's own Google / Microsoft sign-in (mfa_oauth.go)
	landingURL string      // BASE_URL/authenticate, where that sign-in comes back
	now        func() time.Time
}

// NewMFA returns the second-step handlers.
func NewMFA(re *responder, state sessionState, st MFAVerifier, sign *signer, oauth OAuthConfig, landingURL string, now func() time.Time) *MFA {
	return &MFA{re: re, state: state, stytch: st, signer: sign, oauth: oauth, landingURL: landingURL, now: now}
}

// pending returns the step in progress. When there is none, or it has expired, it answers the
// request itself and returns false.
func (h *MFA) pending(w http.ResponseWriter, r *http.Request) (MFAPending, bool) {
	p, ok := h.state.mfa(r.Context())
	switch {
	case !ok:
		h.state.nothingPending(w, r)
		return MFAPending{}, false
	case !h.now().Before(p.ExpiresAt):
		h.expired(w, r)
		return MFAPending{}, false
	}
	return p, true
}

// expired forgets the step and sends the person back to the email form with a message.
func (h *MFA) expired(w http.ResponseWriter, r *http.Request) {
	h.state.forgetMFA(r.Context())
	h.re.log.Info("second sign-in step expired", "path", r.URL.Path)
	redirect(w, r, "/?notice="+noticeMFAExpired)
}

// MFAPage handles GET /mfa: the step as it stands (no Stytch call).
func (h *MFA) MFAPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.pending(w, r)
	if !ok {
		return
	}
	if p.Problem != "" { // said once: the stored step forgets it
		shown := p
		shown.Problem = ""
		h.state.putMFA(r.Context(), shown)
	}
	h.render(w, r, http.StatusOK, p, mfaForm{})
}

// mfaForm is what a refused form sends back to the page: the problem by form and what was typed.
type mfaForm struct {
	errors map[string]string // totp, sms, recovery, phone
	phone  string
}

// with is f with msg as the problem of form.
func (f mfaForm) with(form, msg string) mfaForm {
	f.errors = map[string]string{form: msg}
	return f
}

// render shows the step with status (422 for a refused form: the whole region on both paths,
// so the field and its message stay where the person is).
func (h *MFA) render(w http.ResponseWriter, r *http.Request, status int, p MFAPending, f mfaForm) {
	title := "Confirm it's you"
	d := h.data(r.Context(), p, f)
	switch {
	case d.Primary != nil:
		title = "Another sign-in method needed"
	case d.Enrol:
		title = "Set up a second sign-in step"
	}
	h.re.render(w, r, status, title, views.MFAFragment(d))
}

// data decides what the step offers, in the order Stytch's own UI does: a primary method the
// org demands; a texted code on its way; the member's factors; else setting one up.
func (h *MFA) data(ctx context.Context, p MFAPending, f mfaForm) views.MFAData {
	_, pending := h.state.pending(ctx)
	_, signedIn := h.state.member(ctx)
	d := views.MFAData{
		OrgName: p.Org.Name, Email: p.Email, MinutesLeft: max(1, int(p.ExpiresAt.Sub(h.now()).Round(time.Minute)/time.Minute)),
		CanChoose: pending, SignedIn: signedIn, Errors: f.errors, PhoneNumber: f.phone,
	}
	if p.PrimaryRequired != nil {
		d.Primary, d.PrimaryOAuth = primaryMethods(p.PrimaryRequired), h.stepUpProviders(p)
		if p.Problem != "" {
			d.Notice = views.Notice{Kind: "error", Text: p.Problem}
		}
		return d
	}
	phone := p.Phone
	if p.SMSTo != "" {
		phone = p.SMSTo
	}
	d.Phone, d.SMSCode = maskPhone(phone), p.smsSent() && p.Allows(stytchb2b.MethodSMS)
	if p.Enrolled() && p.Setup == nil {
		d.TOTP = p.TOTP && p.Allows(stytchb2b.MethodTOTP)
		d.TextMe = !d.SMSCode && p.Phone != "" && p.Allows(stytchb2b.MethodSMS)
		d.Recovery = d.TOTP
	} else {
		d.Enrol, d.OfferTOTP, d.OfferSMS = true, p.Allows(stytchb2b.MethodTOTP), p.Allows(stytchb2b.MethodSMS)
		if p.Setup != nil {
			d.Setup = &views.TOTPSetupData{QRCode: qrURL(p.Setup.QRCode), Secret: p.Setup.Secret}
		}
	}
	d.Focus = mfaFocus(d, f)
	return d
}

// mfaFocus is the field that gets the focus: the one with a problem, else the first code field.
func mfaFocus(d views.MFAData, f mfaForm) string {
	for form, id := range map[string]string{"totp": "totp-code", "sms": "sms-code", "recovery": "recovery-code", "phone": "phone-number"} {
		if f.errors[form] != "" {
			return id
		}
	}
	switch {
	case d.SMSCode:
		return "sms-code"
	case d.TOTP || d.Setup != nil:
		return "totp-code"
	case d.Enrol && d.OfferSMS && !d.OfferTOTP:
		return "phone-number"
	}
	return ""
}

// qrURL passes on a QR code only as the PNG data URL Stytch sends (the page's CSP allows
// data: images); anything else shows no image, and the secret is still there to type.
func qrURL(qr string) string {
	if strings.HasPrefix(qr, "data:image/png;base64,") {
		return qr
	}
	return ""
}

// primaryMethods names Stytch's auth methods (primary_required.allowed_auth_methods) in words.
func primaryMethods(methods []string) []string {
	names := map[string]string{
		"magic_link": "Email link", "email_otp": "Email code", "sso": "Single sign-on (SSO)", "password": "Password",
		"google_oauth": "Google", "microsoft_oauth": "Microsoft", "hubspot_oauth": "HubSpot",
		"slack_oauth": "Slack", "github_oauth": "GitHub",
	}
	out := []string{}
	for _, m := range methods {
		if n, ok := names[m]; ok {
			out = append(out, n)
		} else {
			out = append(out, m)
		}
	}
	return out
}

// afterStep is what a sign-in step needs to know for once it is done: the organizations the
// switcher offers then, or (ListOrgs, for invitation links) that Stytch must be asked for them.
type afterStep struct {
	Others   []stytchb2b.Org
	ListOrgs bool
}
