package handlers

import (
	"strings"
	"time"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// What a person reads about the second round of admin actions (roles, removing and
// restoring members, sessions): titles, confirmations, notices and labels.

const (
	titleRemoveMember = "Remove a member"
)

// Confirmations kept for the next page (flash.go), naming who.
const (
	fmtRolesSaved     = "Roles of %s saved: %s. They apply from their next page."
	fmtRemoved        = "%s was removed from %s and signed out everywhere."
	fmtRestored       = "%s is a member of %s again. They can sign in now."
	fmtFactorsReset   = "The second sign-in steps of %s were reset: they'll set one up again at their next sign-in."
	fmtSignedOutOther = "%s was signed out everywhere."
	fmtSessionEnded   = "That session (signed in %s) was signed out."
	fmtOthersEnded    = "Signed out everywhere else (%d sessions)."
)

// Notices of these actions (?notice=…), the same words without the names.
const (
	noticeRolesSaved    = "roles-saved"
	noticeRemoved       = "removed"
	noticeRestored      = "restored"
	noticeFactorsReset  = "factors-reset"
	noticeMemberSignOut = "member-signed-out"
	noticeSessionEnd    = "session-ended-one"
	noticeOthersEnded   = "others-ended"
)

// Problems of these actions, on their error page (errors.go's failures rows use them).
const (
	msgLastAdminAny  = "That's the only admin left. Make someone else an admin first, so the organization always has one."
	msgActOnSelf     = "You can't do that to your own membership here. Your own sessions and second steps are on your account page."
	msgNotRemoved    = "That person hasn't been removed, so there's nothing to restore."
	msgCannotRestore = "That person never confirmed their email address, so they can't be restored. Invite them again instead."
	msgSearchShort   = "Type at least 3 characters of the address to search."
)

// memberStatusFilters are the member list's status choices.
var memberStatusFilters = []views.Option{
	{Value: "", Label: "Current members and invitations"},
	{Value: stytchb2b.StatusActive, Label: "Active"},
	{Value: stytchb2b.StatusInvited, Label: "Invited"},
	{Value: stytchb2b.StatusPending, Label: "Pending"},
	{Value: stytchb2b.StatusDeleted, Label: "Removed"},
}

// roleLabel is how a role ID reads: Stytch's admin role is "Admin"; a custom role reads as its
// ID with spaces ("billing_viewer" ⇒ "Billing viewer").
func roleLabel(id string) string {
	if id == stytchb2b.AdminRoleID {
		return "Admin"
	}
	s := strings.ReplaceAll(strings.ReplaceAll(id, "_", " "), "-", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// rolesLabel is how a member's roles read together ("Member" for none).
func rolesLabel(ids []string) string {
	if len(ids) == 0 {
		return roleName(false)
	}
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		names = append(names, roleLabel(id))
	}
	return strings.Join(names, ", ")
}

// sessionMethodWords say how a session was signed in, by Stytch's factor delivery method.
var sessionMethodWords = map[string]string{
	"email":             "Email link or code",
	"oauth_google":      "Google",
	"oauth_microsoft":   "Microsoft",
	"sms":               "Texted code",
	"authenticator_app": "Authenticator app",
	"recovery_code":     "Recovery code",
	"sso_saml":          "Single sign-on",
	"sso_oidc":          "Single sign-on",
}

// sessionMethods words a session's factors ("Email link or code, then Authenticator app").
func sessionMethods(methods []string) string {
	var out []string
	for _, m := range methods {
		w, ok := sessionMethodWords[m]
		if !ok {
			w = "Other"
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		return "Unknown"
	}
	return strings.Join(out, ", then ")
}

// sessionTime is when a session started or was last used, as the list reads it (UTC).
func sessionTime(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
}

// The organization's profile, sign-in methods and deletion (settings_profile.go,
// settings_methods.go, settings_delete.go).
const (
	fmtProfileSaved     = "Profile saved: %s, URL name %s."
	fmtMethodsSaved     = "Sign-in methods saved. %s"
	msgLogoURL          = "Enter the logo's full address, starting with https://."
	msgLogoKeep         = "The logo can't be removed here (it stays unless it's replaced). Enter another address to change it."
	msgMethodsNone      = "Tick at least one method, or choose “Any method”: members need a way to sign in."
	fmtMethodsLockout   = "You signed in with %s, which this would no longer accept: your next sign-in would have to use one of the ticked methods. Press “Restrict anyway” if that's what you want."
	msgConfirmSlugWrong = "That isn't this organization's URL name. Type it exactly as shown to delete the organization."
	msgMethodsAll       = "Members may sign in with any method."
	fmtMethodsOnly      = "Members may sign in only with: %s."
)

// Notices of the settings forms.
const (
	noticeProfileSaved = "profile-saved"
	noticeMethodsSaved = "methods-saved"
	noticeOrgDeleted   = "org-deleted"
)

// signInMethods are the sign-in methods an organization may restrict itself to, in the form's
// order, with how each reads.
var signInMethods = []views.Option{
	{Value: stytchb2b.AuthMagicLink, Label: "Email link"},
	{Value: stytchb2b.AuthEmailOTP, Label: "Email code"},
	{Value: stytchb2b.AuthGoogle, Label: "Google"},
	{Value: stytchb2b.AuthMicrosoft, Label: "Microsoft"},
	{Value: stytchb2b.AuthSSO, Label: "Single sign-on (SSO)"},
}

// emailInviteChoices are the email_invites choices, with how each reads.
var emailInviteChoices = []views.Option{
	{Value: stytchb2b.AllAllowed, Label: "Admins can invite anyone"},
	{Value: stytchb2b.Restricted, Label: "Only people at the allowed email domains"},
	{Value: stytchb2b.NotAllowed, Label: "No email invitations"},
}

// methodLabel is how a sign-in method reads (its value when unknown).
func methodLabel(v string) string {
	for _, o := range signInMethods {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}
