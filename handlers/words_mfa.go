package handlers

import "github.com/orgpick/orgpick/views"

// What a person reads on the MFA and account pages, chosen by the handlers (page titles and
// button labels; the sentences about refusals are in errors.go).
const (
	titleMFAVerify     = "Confirm it's you"
	titleMFAEnrol      = "Set up a second sign-in step"
	titleMFAPrimary    = "Another sign-in method needed"
	titleRecoveryCodes = "Save your recovery codes"
	titleAccount       = "Your sign-in security"
	labelCodesSaved    = "I saved them"
)

// authMethodNames are Stytch's sign-in methods (primary_required.allowed_auth_methods) in words.
var authMethodNames = map[string]string{
	"magic_link": "Email link", "email_otp": "Email code", "sso": "Single sign-on (SSO)", "password": "Password",
	"google_oauth": "Google", "microsoft_oauth": "Microsoft", "hubspot_oauth": "HubSpot",
	"slack_oauth": "Slack", "github_oauth": "GitHub",
}

// mfaTitles are the step's page titles by mode.
var mfaTitles = map[views.MFAMode]string{views.MFAVerify: titleMFAVerify, views.MFAEnrol: titleMFAEnrol, views.MFAPrimary: titleMFAPrimary}

// Confirming it's you before a factor change (account_stepup.go), and the code and text limits
// (limits_codes.go).
const (
	titleStepUp        = "Confirm it's you"
	titleTooManyCodes  = "Too many wrong codes"
	titleTooManyTexts  = "Too many texts"
	msgWaitCodes       = "Too many wrong codes were entered, so we're pausing code entry to keep the account safe. You can try again in"
	msgWaitTexts       = "We've texted as many codes as we send in a short while, to protect the phone from floods. Use the last code we sent, or ask for another in"
	msgBackToStep      = "Back to the sign-in step"
	msgBackToAccount   = "Back to your sign-in security"
	msgBackToCheckMail = "Back to the code"
	noticeConfirmed    = "confirmed"
)
