package handlers

import (
	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// The catalogue of what a person reads that is not about an error (errors.go words those):
// page titles, confirmations, notices and labels. Handlers name an entry, so a change of words
// never touches a handler.

// Page titles.
const (
	titleSignIn       = "Sign in"
	titleCheckEmail   = "Check your inbox"
	titleContinue     = "Continue signing in"
	titleAcceptInvite = "Accept your invitation"
	titleChooser      = "Choose an organization"
	titleNewOrg       = "Create an organization"
	titleMembers      = "Members"
	fmtTitleSettings  = "Settings of %s"
)

// Confirmations kept for the next page (flash.go), naming who or what.
const (
	fmtAccepted = "You accepted the invitation: you're now a member of %s."
	fmtJoined   = "You joined %s. Welcome!"
	fmtCreated  = "%s is ready, and you're its admin. Invite your team from Members."
	fmtSwitched = "You switched to %s."
	fmtInvited  = "Invitation sent to %s. Its link signs them straight into %s; it works once, for a week."
	fmtResent   = "Invitation sent again to %s, with a new link that works for a week."
	fmtRevoked  = "Invitation of %s revoked: its link no longer works."
)

// Notices a redirect may ask a page to show (?notice=…): fixed texts, never echoed input.
const (
	noticeSignedOut     = "signed-out"
	noticeChoiceExpired = "choice-expired"
	noticeSessionEnded  = "session-ended"
	noticeInvited       = "invited"
	noticeResent        = "resent"
	noticeRevoked       = "revoked"
	noticeSaved         = "saved"
	noticeMFAExpired    = "mfa-expired"
	noticeMFASaved      = "mfa-saved"
	noticePhoneSaved    = "phone-saved"
)

var notices = map[string]views.Notice{
	noticeSignedOut:     {Kind: "info", Text: "You're signed out."},
	noticeChoiceExpired: {Kind: "error", Text: msgChoiceExpired},
	noticeSessionEnded:  {Kind: "error", Text: msgSessionEnded},
	noticeInvited:       {Kind: "info", Text: "Invitation sent. Its link signs them straight into this organization; it works once, for a week."},
	noticeResent:        {Kind: "info", Text: "Invitation sent again, with a new link that works for a week."},
	noticeRevoked:       {Kind: "info", Text: "Invitation revoked: its link no longer works."},
	noticeSaved:         {Kind: "info", Text: "Settings saved."},
	noticeMFAExpired:    {Kind: "error", Text: msgMFAExpired},
	noticeMFASaved:      {Kind: "info", Text: "Sign-in security saved. It applies from each member's next sign-in."},
	noticePhoneSaved:    {Kind: "info", Text: "Number confirmed: texted codes go to it from now on."},
	noticeConfirmed:     {Kind: "info", Text: "Thanks, that's you. You can change your sign-in steps and see your recovery codes for the next few minutes."},
	// Roles, removing and restoring members, sessions (words_admin.go).
	noticeRolesSaved:    {Kind: "info", Text: "Roles saved. They apply from the member's next page."},
	noticeRemoved:       {Kind: "info", Text: "Member removed and signed out everywhere."},
	noticeRestored:      {Kind: "info", Text: "Member restored. They can sign in now."},
	noticeFactorsReset:  {Kind: "info", Text: "Second sign-in steps reset."},
	noticeMemberSignOut: {Kind: "info", Text: "Member signed out everywhere."},
	noticeSessionEnd:    {Kind: "info", Text: "That session was signed out."},
	noticeOthersEnded:   {Kind: "info", Text: "Signed out everywhere else."},
	noticeProfileSaved:  {Kind: "info", Text: "Profile saved."},
	noticeMethodsSaved:  {Kind: "info", Text: "Sign-in methods saved. They apply from each member's next sign-in."},
	noticeOrgDeleted:    {Kind: "info", Text: "The organization was deleted, and everyone in it signed out. Sign in to continue with another one."},
}

// roleName is how a role reads on the pages.
func roleName(admin bool) string {
	if admin {
		return "Admin"
	}
	return "Member"
}

// providerNames are the OAuth providers offered, by Stytch's name.
var providerNames = map[string]string{"google": "Google", "microsoft": "Microsoft"}

// emailInvitesWords says who may be invited, by Stytch's email_invites setting.
var emailInvitesWords = map[string]string{
	"RESTRICTED":  "admins can invite only people at the allowed domains.",
	"NOT_ALLOWED": "turned off for this organization.",
	"":            "admins can invite anyone by email.", // ALL_ALLOWED, and anything Stytch adds
}

// choiceWords say why an organization is offered, by membership: its group in the chooser,
// the reason shown, and the verb of its button.
var choiceWords = map[string]struct{ group, reason, verb string }{
	stytchb2b.InvitedMember:    {"invited", "You've been invited", "Accept invitation"},
	stytchb2b.PendingMember:    {"invited", "You've been added: join to start", "Join"},
	stytchb2b.EligibleByDomain: {"domain", "Anyone with an email at %s can join", "Join"},
	stytchb2b.ActiveMember:     {"member", "You're a member", "Continue"},
	"":                         {"member", "You're a member", "Continue"}, // memberships Stytch doesn't describe
}

const (
	reasonAdmin   = "You're an admin"
	verbSwitch    = "Switch" // a membership in a switcher
	fmtNeedsLogin = "needs sign-in with %s"
)
