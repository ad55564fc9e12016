package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// MFAVerifier is what MFA needs of the Stytch adapter.
type MFAVerifier interface {
	factorCalls
	Recover(ctx context.Context, c stytchb2b.FactorCode) (stytchb2b.Session, int, error)
	ListOrgs(ctx context.Context, sessionToken string) ([]stytchb2b.Org, error)
	AuthenticateOAuth(ctx context.Context, l stytchb2b.OAuthLanding) (stytchb2b.Session, error)
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
	// Problem is what went wrong with the organization's own sign-in (primary_step.go), said
	// once on the step's page.
	Problem string `json:"problem,omitempty"`
}

// factorCalls are the MFA calls both the step and the account page make.
type factorCalls interface {
	CreateTOTP(ctx context.Context, f stytchb2b.Factor) (stytchb2b.TOTPSetup, error)
	AuthenticateTOTP(ctx context.Context, c stytchb2b.FactorCode) (stytchb2b.Session, error)
	SendSMS(ctx context.Context, f stytchb2b.Factor, phone string) error
	AuthenticateSMS(ctx context.Context, c stytchb2b.FactorCode) (stytchb2b.Session, error)
}

// factor is whose factors the step's MFA calls are about, presenting this step's IST.
func (p MFAPending) factor() stytchb2b.Factor {
	return stytchb2b.Factor{Proof: stytchb2b.Proof{IST: p.IST}, OrgID: p.Org.ID, MemberID: p.MemberID}
}

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
	ctx := r.Context()
	replaced, err := s.state.startStep(ctx, after.NewSignIn) // a privilege change: a new session token
	if err != nil {
		s.re.fail(w, r, err)
		return true
	}
	s.retire(ctx, replaced) // a new sign-in ends the one it replaces
	p := MFAPending{MFAStep: req.Step, Others: after.Others, ListOrgs: after.ListOrgs, ExpiresAt: s.now().Add(istLifetime)}
	s.state.putMFA(ctx, p)
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
	oauth      OAuthConfig // an organization's own Google / Microsoft sign-in (primary_step.go)
	landingURL string      // BASE_URL/authenticate, where that sign-in comes back
	limits     limits      // wrong codes and texts (limits_codes.go)
	now        func() time.Time
}

// NewMFA returns the second-step handlers.
func NewMFA(re *responder, state sessionState, st MFAVerifier, sign *signer, oauth OAuthConfig, landingURL string, l limits, now func() time.Time) *MFA {
	return &MFA{re: re, state: state, stytch: st, signer: sign, oauth: oauth, landingURL: landingURL, limits: l, now: now}
}

// pending returns the step in progress. When there is none, or it has expired, it answers the
// request itself and returns false (and the step, which the caller must not use).
func (h *MFA) pending(w http.ResponseWriter, r *http.Request) (MFAPending, bool) {
	p, ok := h.state.mfa(r.Context())
	if !ok {
		h.state.nothingPending(w, r)
	} else if ok = h.now().Before(p.ExpiresAt); !ok {
		h.expired(w, r)
	}
	return p, ok
}

// MFAPage handles GET /mfa: the step as it stands (no Stytch call).
func (h *MFA) MFAPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.pending(w, r)
	if !ok {
		return
	}
	if p.Problem != "" { // said once: the stored step forgets it
		once := p
		once.Problem = ""
		h.state.putMFA(r.Context(), once)
	}
	h.render(w, r, http.StatusOK, p, refusal{})
}

// expired forgets the step and sends the person back to the email form with a message.
func (h *MFA) expired(w http.ResponseWriter, r *http.Request) {
	h.state.forgetMFA(r.Context())
	h.re.log.Info("second sign-in step expired", "path", r.URL.Path)
	redirect(w, r, "/?notice="+noticeMFAExpired)
}

// render shows the step with status (422 for a refused form: the whole region on both paths,
// so the field and its message stay where the person is).
func (h *MFA) render(w http.ResponseWriter, r *http.Request, status int, p MFAPending, rf refusal) {
	d := h.data(r.Context(), p, rf)
	h.re.render(w, r, status, mfaTitles[d.Mode], views.MFAFragment(d))
}

// data decides what the step offers, in the order Stytch's own UI does: a primary method the
// org demands; a texted code on its way; the member's factors; else setting one up.
func (h *MFA) data(ctx context.Context, p MFAPending, rf refusal) views.MFAData {
	d := views.MFAData{
		OrgName: p.Org.Name, Email: p.Email, MinutesLeft: max(1, int(p.ExpiresAt.Sub(h.now()).Round(time.Minute)/time.Minute)),
		WayOut: h.wayOut(ctx),
	}
	switch {
	case p.PrimaryRequired != nil:
		d.Mode, d.Primary, d.PrimaryOAuth = views.MFAPrimary, primaryMethods(p.PrimaryRequired), h.stepUpProviders(p)
		d.PrimarySSO = ssoButtons(p, h.oauth) // sso.go
		if p.Problem != "" {
			d.Notice = views.Notice{Kind: "error", Text: p.Problem}
		}
		return d
	case !p.Enrolled() || p.Setup != nil:
		d.Mode = views.MFAEnrol
	}
	d.Forms, d.Focus = stepForms(p, d.Mode, rf)
	return d
}

// wayOut is where the step's "back" link leads: the dashboard of a signed-in member, the
// chooser of a discovery still open, else the email form.
func (h *MFA) wayOut(ctx context.Context) views.MFAWayOut {
	if _, signedIn := h.state.member(ctx); signedIn {
		return views.WayOutDashboard
	}
	if _, choosing := h.state.pending(ctx); choosing {
		return views.WayOutChooser
	}
	return views.WayOutEmail
}

// afterStep is what a sign-in step needs to know for once it is done: the organizations the
// switcher offers then, or (ListOrgs, for invitation links) that Stytch must be asked for them.
type afterStep struct {
	Others   []stytchb2b.Org
	ListOrgs bool
	// NewSignIn: the step starts a sign-in (an invitation link), not a switch: the member
	// signed in before is signed out at once, not when the step ends.
	NewSignIn bool
}
