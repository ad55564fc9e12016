package views

import "github.com/a-h/templ"

// MFAMode is what the second sign-in step asks of the person.
type MFAMode int

const (
	MFAVerify  MFAMode = iota // verify a factor the member has
	MFAEnrol                  // set up a first factor
	MFAPrimary                // sign in with a method the organization accepts first (nothing else is offered)
)

// MFAWayOut is where the step's "back" link leads.
type MFAWayOut int

const (
	WayOutEmail     MFAWayOut = iota // the email form: sign in with another email
	WayOutChooser                    // a discovery is still open: pick another organization
	WayOutDashboard                  // switching from a signed-in organization: back to its dashboard
)

// MFAData renders the second sign-in step (GET /mfa): verifying a factor the member has,
// setting one up, or (MFAPrimary) saying which sign-in methods the organization accepts.
type MFAData struct {
	Mode        MFAMode
	OrgName     string
	Email       string
	MinutesLeft int // until the step expires (Stytch's intermediate session)
	WayOut      MFAWayOut

	// Primary lists (in words) the sign-in methods the organization demands instead of an
	// email link (MFAPrimary).
	Primary []string
	// PrimaryOAuth are the accepted methods the app can start here ("Continue with …").
	PrimaryOAuth []Provider
	// PrimarySSO are the organization's SSO connections the step can start (sso.templ).
	PrimarySSO []SSOButton

	// Forms are the methods' forms, in order (MFAVerify, MFAEnrol): each a method's component
	// (TOTPForm, SMSForm, RecoveryForm) with its FactorForm.
	Forms  []templ.Component
	Focus  string // id of the field that gets the focus ("" for the heading)
	Notice Notice
}

// FactorForm is what one MFA method's part of a page shows: its form on the step page (GET
// /mfa), its section on the account page (GET /account).
type FactorForm struct {
	Mode    MFAMode // on the step page: verifying or setting up
	OrgName string
	First   bool // nothing is offered above it on the step page (else its heading says "Or …")

	Has      bool           // account page: the member has it set up
	Offered  bool           // the organization allows it
	Phone    string         // the number codes go to (or a code was texted to), partly hidden
	Verified bool           // account page: that number is confirmed
	Sent     bool           // a code was texted to Phone
	Typed    string         // the phone number as typed
	Setup    *TOTPSetupData // an authenticator app being set up: QR code, secret, confirm form

	Errors FieldErrors // by field name (FieldCode, FieldPhone, FieldRecoveryCode)
	Focus  string      // id of the page's field that gets the focus
}

// TOTPSetupData is a new authenticator-app registration awaiting its first code.
type TOTPSetupData struct {
	QRCode string // a data:image/png;base64 URL
	Secret string // base32, for typing in by hand
}

// RecoveryCodesData shows recovery codes once, after an authenticator app is set up (or
// rotated), with the button that leads on.
type RecoveryCodesData struct {
	Codes  []string
	Action string // where "I saved them" posts
	Label  string // the button's text
}

// AccountData renders the member's own sign-in factors (GET /account).
type AccountData struct {
	Email    string
	OrgName  string
	Required bool // the organization (or the member) requires a second step at sign-in
	Policy   string

	// Sections are the methods' sections, in order: each a method's component (AccountTOTP,
	// AccountSMS) with its FactorForm.
	Sections []templ.Component
	Focus    string
	Notice   Notice
}

// MFASettingsData renders the organization's MFA policy form on /settings (admins).
type MFASettingsData struct {
	Required  bool // mfa_policy REQUIRED_FOR_ALL
	AllowTOTP bool
	AllowSMS  bool
	Errors    map[string]string // mfa_methods
}
