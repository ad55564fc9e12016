package stytchb2b

import (
	"fmt"
	"slices"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/mfa"
	orgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
)

// The MFA methods in Stytch's words (allowed_mfa_methods, default_mfa_method).
const (
	MethodTOTP = "totp"
	MethodSMS  = "sms_otp"
)

// The organization MFA policies in Stytch's words (mfa_policy).
const (
	PolicyOptional    = "OPTIONAL"
	PolicyRequiredAll = "REQUIRED_FOR_ALL"
)

// MFAMethods are the MFA methods the app knows, in Stytch's words and in the order it offers
// them.
var MFAMethods = []string{MethodTOTP, MethodSMS}

// MFAStep is what Stytch answers when the primary factor is proven but the organization (or
// the member) needs a second one: a fresh intermediate session token bound to this member of
// this organization, and what the member can use. The JSON names are those of the app's
// stored sessions; the IST never leaves the server.
type MFAStep struct {
	IST      string   `json:"ist"`
	MemberID string   `json:"member_id"`
	Email    string   `json:"email"`
	Org      Org      `json:"org"`
	Roles    []string `json:"roles,omitempty"`
	// Phone is the member's MFA phone number ("" for none); PhoneVerified says a code texted
	// to it was entered once.
	Phone         string `json:"phone,omitempty"`
	PhoneVerified bool   `json:"phone_verified,omitempty"`
	TOTP          bool   `json:"totp,omitempty"`           // the member has an active authenticator app
	DefaultMethod string `json:"default_method,omitempty"` // MethodTOTP, MethodSMS or ""
	SMSSent       bool   `json:"sms_sent,omitempty"`       // Stytch texted a code already (secondary_auth_initiated)
	// Methods are the MFA methods the organization allows this member (both unless restricted).
	Methods []string `json:"methods"`
	// PrimaryRequired lists the sign-in methods the organization demands before MFA (Stytch's
	// primary_required.allowed_auth_methods); empty when the primary factor was enough.
	PrimaryRequired []string `json:"primary_required,omitempty"`
}

// Allows reports whether the member may use this MFA method here.
func (s MFAStep) Allows(method string) bool { return slices.Contains(s.Methods, method) }

// Has reports whether the member has a factor of this MFA method (allowed here or not).
func (s MFAStep) Has(method string) bool {
	switch method {
	case MethodTOTP:
		return s.TOTP
	case MethodSMS:
		return s.Phone != ""
	}
	return false
}

// Enrolled reports whether the member has a factor to verify with (else: enrolment).
func (s MFAStep) Enrolled() bool {
	return slices.ContainsFunc(MFAMethods, func(m string) bool { return s.Has(m) && s.Allows(m) })
}

// MFARequiredError is the answer of a sign-in call (IST exchange, organization create, magic
// link, session exchange) that ended in an MFA step instead of a session. It matches
// ErrMFARequired, so a caller that does not handle it refuses the sign-in.
type MFARequiredError struct {
	Op   string
	Step MFAStep
}

// Error names the call, the member and the organization (never the IST).
func (e *MFARequiredError) Error() string {
	return fmt.Sprintf("%s: %s (member %s, organization %s)", e.Op, ErrMFARequired, e.Step.MemberID, e.Step.Org.ID)
}

// Is makes every MFARequiredError match ErrMFARequired.
func (e *MFARequiredError) Is(target error) bool { return target == ErrMFARequired }

// mfaRequired builds the MFA step of a response with member_authenticated false. Without an
// IST (which Stytch always sends with such an answer) there is nothing to continue with, so it
// answers ErrMFARequired alone.
func mfaRequired(op, ist string, m *orgs.Member, o *orgs.Organization, req *mfa.MfaRequired, primary *sessions.PrimaryRequired) error {
	if ist == "" || m == nil || o == nil {
		return fmt.Errorf("%s: no intermediate session token: %w", op, ErrMFARequired)
	}
	s := MFAStep{
		IST: ist, MemberID: m.MemberID, Email: m.EmailAddress, Org: orgOf(o),
		Phone: m.MFAPhoneNumber, PhoneVerified: m.MFAPhoneNumberVerified, TOTP: m.TOTPRegistrationID != "",
		DefaultMethod: m.DefaultMFAMethod, Methods: allowedMethods(o, m),
	}
	s.Org.Membership = ActiveMember
	for _, r := range m.Roles {
		s.Roles = append(s.Roles, r.RoleID)
	}
	if req != nil {
		s.SMSSent = req.SecondaryAuthInitiated == MethodSMS
	}
	if primary != nil {
		s.PrimaryRequired = append([]string{}, primary.AllowedAuthMethods...)
		if s.PrimaryRequired == nil {
			s.PrimaryRequired = []string{} // the member can never satisfy the organization: still a primary step
		}
	}
	return &MFARequiredError{Op: op, Step: s}
}

// linkNotAccepted is the primary_required a magic-link answer can't carry in v16 (its response
// has no such field): an organization that restricts sign-in methods to ones without
// magic_link wants one of those first, as the organization itself says.
func linkNotAccepted(o *orgs.Organization) *sessions.PrimaryRequired {
	if o.AuthMethods != "RESTRICTED" || slices.Contains(o.AllowedAuthMethods, "magic_link") {
		return nil
	}
	return &sessions.PrimaryRequired{AllowedAuthMethods: o.AllowedAuthMethods}
}

// allowedMethods are the MFA methods the organization lets this member use: all of them
// unless mfa_methods is RESTRICTED (break-glass members are exempt).
func allowedMethods(o *orgs.Organization, m *orgs.Member) []string {
	if o.MFAMethods != "RESTRICTED" || m.IsBreakglass {
		return slices.Clone(MFAMethods)
	}
	var out []string
	for _, method := range MFAMethods {
		if slices.Contains(o.AllowedMFAMethods, method) {
			out = append(out, method)
		}
	}
	return out
}

// Proof is what an MFA call presents to Stytch: the pending IST of a sign-in, or the session
// token of a signed-in member (adding a factor from the account page). Exactly one is set.
type Proof struct {
	IST          string
	SessionToken string
}

// Factor is whose factor an MFA call is about, and what it presents for them: this member of
// this organization, with a Proof.
type Factor struct {
	Proof
	OrgID    string
	MemberID string
}

// FactorCode is a code a member typed for one of their factors. Enrolling marks a first code
// (a new authenticator app or phone number becomes active, and the member enrolled in MFA).
type FactorCode struct {
	Factor
	Code      string
	Enrolling bool
}

// enrollment is set_mfa_enrollment for the code: "enroll" for a first one (from then on the
// member passes MFA at every sign-in; Stytch ignores it where the organization requires MFA of
// everyone), else unset.
func (c FactorCode) enrollment() string {
	if c.Enrolling {
		return "enroll"
	}
	return ""
}

// TOTPSetup is a new authenticator-app registration, pending until its first code: the shared
// secret (base32), the QR code Stytch drew of it (a PNG data URL) and its recovery codes.
type TOTPSetup struct {
	RegistrationID string   `json:"registration_id"`
	Secret         string   `json:"secret"`
	QRCode         string   `json:"qr_code"`
	RecoveryCodes  []string `json:"recovery_codes"`
}

// MemberMFA is a signed-in member's own factors, and the organization's policy, as the
// account page shows them.
type MemberMFA struct {
	MemberID      string
	OrgID         string
	Enrolled      bool   // the member must pass MFA on every sign-in (mfa_enrolled)
	Phone         string // "" for none
	PhoneVerified bool
	TOTP          bool // an active authenticator app
	DefaultMethod string
	Policy        string   // PolicyOptional or PolicyRequiredAll
	Methods       []string // the MFA methods the organization allows this member
	// ProvedAt is when this session last proved a second factor (an authenticator-app, texted
	// or recovery code: Stytch's last_authenticated_at of the session's factors); zero for never.
	ProvedAt time.Time
}

// secondFactorAt is the latest last_authenticated_at of the session's second factors.
func secondFactorAt(s *sessions.MemberSession) time.Time {
	var at time.Time
	if s == nil {
		return at
	}
	for _, f := range s.AuthenticationFactors {
		second := f.Type == "totp" || f.Type == "recovery_codes" || f.Type == "otp" && f.DeliveryMethod == "sms"
		if second && f.LastAuthenticatedAt != nil && f.LastAuthenticatedAt.After(at) {
			at = *f.LastAuthenticatedAt
		}
	}
	return at
}

// memberMFA is what the account page shows of a member and its organization.
func memberMFA(m *orgs.Member, o *orgs.Organization) MemberMFA {
	policy := o.MFAPolicy
	if policy == "" {
		policy = PolicyOptional
	}
	return MemberMFA{
		MemberID: m.MemberID, OrgID: o.OrganizationID, Enrolled: m.MFAEnrolled, Phone: m.MFAPhoneNumber,
		PhoneVerified: m.MFAPhoneNumberVerified, TOTP: m.TOTPRegistrationID != "", DefaultMethod: m.DefaultMFAMethod,
		Policy: policy, Methods: allowedMethods(o, m),
	}
}
