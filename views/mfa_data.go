package views

// MFAData renders the second sign-in step (GET /mfa): verifying a factor the member has,
// setting one up, or (Primary) saying which sign-in methods the organization accepts.
type MFAData struct {
	OrgName     string
	Email       string
	MinutesLeft int  // until the step expires (Stytch's intermediate session)
	CanChoose   bool // a discovery is still open: the person may pick another organization
	SignedIn    bool // switching from a signed-in organization: a way back to its dashboard

	// Primary, when not nil, lists (in words) the sign-in methods the organization demands
	// instead of an email link; nothing else is offered then.
	Primary []string
	// PrimaryOAuth are the accepted methods the app can start here ("Continue with …").
	PrimaryOAuth []Provider

	// Verifying: which forms to show.
	TOTP     bool   // the authenticator-app code form
	SMSCode  bool   // the texted-code form (a code was sent to Phone)
	TextMe   bool   // "text me a code" (the member has a phone; no code sent yet)
	Phone    string // the member's number, partly hidden
	Recovery bool   // "use a recovery code"

	// Setting up (no factor yet).
	Enrol     bool
	OfferTOTP bool           // the organization allows authenticator apps
	OfferSMS  bool           // the organization allows text messages
	Setup     *TOTPSetupData // an authenticator app being set up: QR code, secret, confirm form

	PhoneNumber string            // the phone number as typed (enrolment form)
	Errors      map[string]string // by form: totp, sms, recovery, phone
	Focus       string            // id of the field that gets the focus
	Notice      Notice
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

	TOTP          bool // an authenticator app is set up
	OfferTOTP     bool
	Setup         *TOTPSetupData // replacing or adding an app: QR, secret, confirm form
	Phone         string         // partly hidden; "" for none
	PhoneVerified bool
	OfferSMS      bool
	PhoneSent     string // a code was texted to this (partly hidden) number to confirm it
	PhoneNumber   string // as typed

	Errors map[string]string // by form: totp, phone, sms
	Focus  string
	Notice Notice
}

// MFASettingsData renders the organization's MFA policy form on /settings (admins).
type MFASettingsData struct {
	Required  bool // mfa_policy REQUIRED_FOR_ALL
	AllowTOTP bool
	AllowSMS  bool
	Errors    map[string]string // mfa_methods
}
