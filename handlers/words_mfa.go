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
