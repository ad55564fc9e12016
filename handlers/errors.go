package handlers

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/orgpick/orgpick/store"
	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// The app's own refusals (Stytch's are stytchb2b's sentinels).
var (
	ErrBadRequest      = errors.New("malformed request")
	ErrCrossOrigin     = errors.New("cross-origin request refused")
	ErrOrgNotOffered   = errors.New("organization not offered for this sign-in")
	ErrNotFound        = errors.New("no such page")
	ErrUnsupportedLink = errors.New("unsupported magic link type") // SSO, OAuth, passwords
	ErrLinkMalformed   = errors.New("malformed magic link")        // cut short or edited: not a token Stytch could know
	ErrRevokeActive    = errors.New("refused to revoke an active member")
	ErrRevokeSelf      = errors.New("refused to act on the caller's own membership")
	ErrOAuthNotStarted = errors.New("oauth landing without a sign-in started in this browser")
	ErrSSONotStarted   = errors.New("sso landing without a sign-in started in this browser")
	ErrSSONotOffered   = errors.New("sso connection not offered to this browser")
	ErrSSOUnavailable  = errors.New("sso needs the project's public token")
	ErrOrgPageNotFound = errors.New("no organization sign-in page at this slug")
	ErrLastAdmin       = errors.New("refused to leave the organization without an admin")
	ErrActOnSelf       = errors.New("refused an admin action on the caller's own member")
	ErrNotRemoved      = errors.New("refused to restore a member who isn't removed")
)

// WaitError says a limit was hit and how long until the next try is allowed.
type WaitError struct {
	Wait  time.Duration
	Scope string // whose limit: scopeSender, scopeRecipient ("" when it doesn't matter)
}

// Scopes of a WaitError from the invitation limits.
const (
	scopeSender    = "sender"
	scopeRecipient = "recipient"
)

func (e WaitError) Error() string { return fmt.Sprintf("rate limited for %s", e.Wait) }

// Is makes every WaitError match stytchb2b.ErrRateLimited.
func (e WaitError) Is(target error) bool { return target == stytchb2b.ErrRateLimited }

// Sentences shared by an error page and a notice or a form field.
const (
	msgChoiceExpired  = "Your sign-in expired before you chose an organization (it lasts 10 minutes). Enter your email to get a new link."
	msgSessionEnded   = "Your session has ended. Please sign in again."
	msgEmailRefused   = "We can't send email to that address. Please check it, or use another one."
	msgCodeFormat     = "Enter the 6-digit code from the email."
	msgEmailCodeWrong = "That code isn't right. Check the email and type it again."
	msgCodeExpired    = "That code has expired or was already used (codes work once, for 10 minutes). Send a new one below."
	msgCodeTooMany    = "Too many wrong codes. Send a new code below, or wait a minute."
	msgOtherAccount   = "The account you chose isn't %s. Continue again and pick the account with that address."
)

// Problems with a form field, shown next to it.
const (
	msgEmailEmpty      = "Enter your email address."
	msgEmailTooLong    = "That email address is too long (254 characters at most)."
	msgEmailMalformed  = "Enter an email address like name@company.com."
	msgInviteeEmpty    = "Enter the email address of the person to invite."
	msgInviteeSelf     = "That's your own address: you're already a member."
	msgInviteeActive   = "That person is already an active member of this organization."
	msgInviteDomain    = "This organization only allows invitations to addresses at its allowed email domains."
	msgInvitesOff      = "This organization doesn't allow email invitations."
	msgOrgNameEmpty    = "Enter a name for your organization."
	msgOrgNameTooLong  = "That name is too long (128 characters at most)."
	msgOrgNameChars    = "That name contains characters we can't use."
	msgOrgNameRefused  = "That name can't be used. Please choose another."
	msgSlugRule        = "Use 2 to 128 letters, digits, or - . _ ~ (at least one letter or digit)."
	msgSlugUnderivable = "We can't make a URL name from that name. " + msgSlugRule
	msgSlugTaken       = "That URL name is already taken by another organization. Please choose another one."
	fmtSlugDerived     = "We made the URL name “%s” from the name, but other organizations already use it (and the next few with a number). Please choose a URL name yourself."
	msgDomainsKeepOne  = "The list can't be emptied here: the current domains stay unless you replace them. Keep at least one; unticking the box below is what stops people joining by domain."
	msgDomainsNeedOne  = "Add at least one domain, or untick the box: joining by email domain needs a domain."
	msgDomainTooCommon = "Common email providers (such as gmail.com or outlook.com) can't be listed, because anyone can get an address there. List only your organization's own domains."
	msgDomainInvalid   = "One of these isn't a valid domain. Use names like example.com."
	msgJITNeeded       = "An organization needs at least one way for people to join this organization (invitations, SSO or email domain), so this one can't be turned off while the others are."
	fmtDomainMalformed = "“%s” isn't a domain name. Use names like example.com, without https://, @ or a path."
	fmtDomainCommon    = "%s is a common email provider: anyone can get an address there, so it can't be listed. List only your organization's own domains."
	fmtDomainsTooMany  = "That's more than %d domains, the most this form accepts."
	fmtWait            = "Too many attempts. Please wait %s and try again."
	msgDefaultFailure  = "Something went wrong on our side. Please try again."
	msgStytchBusy      = "Our sign-in service is getting too many requests right now, so no link was sent. You can try again in"
	msgBackToSignIn    = "Back to sign in"
	msgGetNewLink      = "Get a new link"
	msgBackToDashboard = "Back to the dashboard"
	msgBackToMembers   = "Back to members"
	msgTryAgain        = "Try again"
)

// failure is what a person sees for an error: status, a heading saying what happened, a
// sentence saying why and what to do, and a link to the next step on the full page ("" keeps
// the default: back to sign in).
type failure struct {
	status          int
	title, msg      string
	next, nextLabel string
}

// failures words every error a page can fail with, first match first: the one place errors
// become words. A new sentinel gets its row here (TestEverySentinelHasWords checks).
var failures = []struct {
	is []error
	failure
}{
	{[]error{stytchb2b.ErrRateLimited}, failure{http.StatusTooManyRequests, "Please wait a moment", "Our sign-in service is getting too many requests right now. Please wait a minute and try again.", "", ""}},
	{[]error{ErrUnsupportedLink}, failure{http.StatusBadRequest, "This kind of link isn't supported here", "This kind of sign-in link isn't supported here. Enter your email to get a sign-in link that is.", "", ""}},
	{[]error{ErrLinkMalformed}, failure{http.StatusBadRequest, "This link is incomplete", "This sign-in link is cut short or was changed, so it can't be used. Open it again straight from the email (copying it by hand can break it), or get a new one.", "", msgGetNewLink}},
	{[]error{stytchb2b.ErrLinkExpired, stytchb2b.ErrLinkNotFound}, failure{http.StatusBadRequest, "This link has expired or was already used", "This sign-in link has expired or was already used (or its invitation was withdrawn). Links work once, for 60 minutes. Enter your email to get a new one.", "", msgGetNewLink}},
	{[]error{stytchb2b.ErrOAuthExpired}, failure{http.StatusBadRequest, "This sign-in has expired", "That sign-in with Google or Microsoft has expired or was already used. Please start again.", "", ""}},
	{[]error{ErrOAuthNotStarted, stytchb2b.ErrOAuthDevice}, failure{http.StatusBadRequest, "Please start signing in again", "This sign-in was started in another browser, or too long ago. Please start again here.", "", ""}},
	{[]error{stytchb2b.ErrSSOExpired}, failure{http.StatusBadRequest, "This sign-in has expired", "That single sign-on has expired or was already used. Please start again.", "", ""}},
	{[]error{ErrSSONotStarted, ErrSSONotOffered}, failure{http.StatusBadRequest, "Please start signing in again", "This single sign-on was started in another browser, too long ago, or not from this app. Please start again here.", "", ""}},
	{[]error{ErrSSOUnavailable}, failure{http.StatusServiceUnavailable, "Single sign-on isn't set up here", "This app can't start single sign-on yet (its public token is missing). Sign in with a link or a code instead.", "", ""}},
	{[]error{stytchb2b.ErrSSONoJIT}, failure{http.StatusForbidden, "You aren't a member of this organization", "Your identity provider signed you in, but this organization adds new people only by invitation or from some connections. Ask its admin to invite you.", "", ""}},
	{[]error{stytchb2b.ErrSSORestricted}, failure{http.StatusForbidden, "This organization doesn't accept that sign-in", "This organization doesn't accept this way of signing in. Use the method its admin set up.", "", ""}},
	{[]error{ErrOrgPageNotFound}, failure{http.StatusNotFound, "No sign-in page here", "There's no organization sign-in page at this address. Check the link, or sign in with your email.", "", ""}},
	{[]error{stytchb2b.ErrSSOConnNotFound}, failure{http.StatusNotFound, "That connection no longer exists", "That single sign-on connection no longer exists. It may have been deleted.", "/settings/sso", "Back to single sign-on"}},
	{[]error{stytchb2b.ErrSSODefaultInUse}, failure{http.StatusConflict, "The default connection can't be deleted", "Make another connection the default first; the default can be deleted only when it is the last one.", "/settings/sso", "Back to single sign-on"}},
	{[]error{stytchb2b.ErrSSOMetadata, stytchb2b.ErrSSOConfigInvalid}, failure{http.StatusBadRequest, "Stytch refused these details", msgSSOConfigRefused, "/settings/sso", "Back to single sign-on"}},
	{[]error{stytchb2b.ErrOAuthOtherAccount}, failure{http.StatusBadRequest, "That account can't be used here", "The account you chose isn't the one this sign-in is for. Please start again and pick the account with your address.", "", ""}},
	{[]error{stytchb2b.ErrChoiceExpired}, failure{http.StatusGone, "Your sign-in expired", msgChoiceExpired, "", msgGetNewLink}},
	{[]error{stytchb2b.ErrSessionEnded}, failure{http.StatusUnauthorized, "Your session has ended", msgSessionEnded, "", ""}},
	{[]error{stytchb2b.ErrOrgNotFound}, failure{http.StatusNotFound, "That organization no longer exists", "That organization no longer exists. Please choose another one.", "", ""}},
	{[]error{ErrOrgNotOffered, stytchb2b.ErrNotEligible}, failure{http.StatusForbidden, "You can't enter that organization", "You can't enter that organization with this email address. Please choose one from the list.", "", ""}},
	{[]error{stytchb2b.ErrForbidden}, failure{http.StatusForbidden, "Only admins can do that", "Only an admin of this organization can do that. Ask an admin for help.", "/dashboard", msgBackToDashboard}},
	{[]error{stytchb2b.ErrMemberNotFound}, failure{http.StatusNotFound, "That person isn't in this organization", "We couldn't find that person in this organization. They may have been removed already.", "/members", msgBackToMembers}},
	{[]error{stytchb2b.ErrMemberActive, ErrRevokeActive}, failure{http.StatusConflict, "That person has already joined", "That person has already joined this organization, so there's no invitation to resend or revoke.", "/members", msgBackToMembers}},
	{[]error{ErrLastAdmin}, failure{http.StatusConflict, "An organization needs an admin", msgLastAdminAny, "/members", msgBackToMembers}},
	{[]error{ErrActOnSelf}, failure{http.StatusConflict, "That's your own membership", msgActOnSelf, "/members", msgBackToMembers}},
	{[]error{ErrNotRemoved}, failure{http.StatusConflict, "That person is still a member", msgNotRemoved, "/members", msgBackToMembers}},
	{[]error{stytchb2b.ErrCannotRestore}, failure{http.StatusConflict, "That person can't be restored", msgCannotRestore, "/members", msgBackToMembers}},
	{[]error{ErrRevokeSelf}, failure{http.StatusConflict, "That's your own membership", "That's your own membership: there's no invitation of yours to resend or revoke.", "/members", msgBackToMembers}},
	{[]error{stytchb2b.ErrInviteDomain, stytchb2b.ErrInvitesOff}, failure{http.StatusConflict, "That invitation isn't allowed any more", "This organization's settings no longer allow an invitation to that address.", "/members", msgBackToMembers}},
	{[]error{stytchb2b.ErrMFARequired}, failure{http.StatusForbidden, "This organization needs another sign-in step", "This organization requires an extra sign-in step that we couldn't start. Please try again, or ask its admin.", "", ""}},
	{[]error{stytchb2b.ErrEmailInvalid}, failure{http.StatusBadRequest, "We can't send email to that address", msgEmailRefused, "", ""}},
	{[]error{stytchb2b.ErrStytchDown}, failure{http.StatusServiceUnavailable, "We can't reach our sign-in service", "We can't reach our sign-in service right now. Nothing you entered was lost: please try again in a moment.", "", msgTryAgain}},
	{[]error{store.ErrUnavailable}, failure{http.StatusServiceUnavailable, "Our database is unavailable", "Our database is busy or unavailable right now. Nothing was lost: please try again in a moment.", "", msgTryAgain}},
	{[]error{ErrCrossOrigin}, failure{http.StatusForbidden, "This form came from another site", "This form was sent from another site, so we ignored it. If you meant to do this, use the form on this site.", "", ""}},
	{[]error{ErrBadRequest}, failure{http.StatusBadRequest, "That request was incomplete", "That request was incomplete or malformed. Please go back and try again.", "", ""}},
	{[]error{ErrNotFound}, failure{http.StatusNotFound, "Page not found", "There's no page at this address.", "", ""}},
	{[]error{stytchb2b.ErrStytchRejected}, failure{http.StatusBadRequest, "Our sign-in service refused that", "Our sign-in service refused that request. Please start again.", "", ""}},
}

// describe maps an error to what the person sees: a wait (with how long), a body too large,
// a row of failures, or an MFA refusal that reached no form; anything else is our fault.
func describe(err error) failure {
	var wait WaitError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &wait):
		return withDefaults(failure{status: http.StatusTooManyRequests, title: "Please wait a moment", msg: fmt.Sprintf(fmtWait, views.WaitWords(ceilSeconds(wait.Wait)))})
	case errors.As(err, &tooBig):
		return withDefaults(failure{status: http.StatusRequestEntityTooLarge, title: "That request was too large", msg: "That request was too large. Please check what you entered."})
	}
	for _, row := range failures {
		if slices.ContainsFunc(row.is, func(target error) bool { return errors.Is(err, target) }) {
			return withDefaults(row.failure)
		}
	}
	if msg := mfaProblem(err); msg != "" {
		return withDefaults(failure{status: http.StatusBadRequest, title: "That didn't work", msg: msg})
	}
	return withDefaults(failure{status: http.StatusInternalServerError, title: "Something went wrong", msg: msgDefaultFailure})
}

// withDefaults leads back to sign in unless the failure names another next step.
func withDefaults(f failure) failure {
	if f.next == "" {
		f.next = "/"
	}
	if f.nextLabel == "" {
		f.nextLabel = msgBackToSignIn
	}
	return f
}

// sendCooldown explains why a sign-in link was not sent and when one can be: the address's
// limit (one every 30 s, six an hour) or the network's.
func sendCooldown(email string, wait time.Duration, byIP bool) views.Cooldown {
	c := views.Cooldown{Seconds: ceilSeconds(wait)}
	switch {
	case byIP:
		c.Text = "Many sign-in emails were just sent from your network, so we're pausing for a moment. You can try again in"
	case wait <= 30*time.Second:
		c.Text = "We sent a sign-in email (a link or a code) to " + email + " moments ago, and send at most one every 30 seconds to protect your inbox. Check it first; you can ask for another in"
	default:
		c.Text = "We've sent as many sign-in emails to " + email + " as we send in an hour, to protect your inbox. Check it first; you can ask for another in"
	}
	return c
}

// inviteCooldown explains why an invitation was not sent and when one can be.
func inviteCooldown(email string, wait WaitError) views.Cooldown {
	c := views.Cooldown{Seconds: ceilSeconds(wait.Wait), Text: "An invitation went to " + email + " moments ago, and we send at most one every 30 seconds to the same address. You can send another in"}
	if wait.Scope == scopeSender {
		c.Text = "You've sent as many invitations as we allow in a short while, to keep inboxes safe from floods. You can send another in"
	}
	return c
}

// problem words a refusal of what was typed in one field of a form, shown next to it.
type problem struct {
	is    error
	field string // the field it is about (views.Field…); "" where the form has one
	msg   string
}

// problemOf is the first of rows that err is (ok false for none: not about what was typed).
func problemOf(err error, rows []problem) (p problem, ok bool) {
	for _, p := range rows {
		if errors.Is(err, p.is) {
			return p, true
		}
	}
	return problem{}, false
}

// fieldErrors is problemOf as a form's FieldErrors (nil for none).
func fieldErrors(err error, rows []problem) views.FieldErrors {
	if p, ok := problemOf(err, rows); ok {
		return views.FieldErrors{p.field: p.msg}
	}
	return nil
}

// Stytch's refusals of what a form sent, by form.
var (
	inviteProblems = []problem{
		{stytchb2b.ErrMemberActive, views.FieldEmail, msgInviteeActive},
		{stytchb2b.ErrEmailInvalid, views.FieldEmail, msgEmailRefused},
		{stytchb2b.ErrInviteDomain, views.FieldEmail, msgInviteDomain},
		{stytchb2b.ErrInvitesOff, views.FieldEmail, msgInvitesOff},
	}
	createOrgProblems = []problem{
		{stytchb2b.ErrSlugTaken, views.FieldOrgSlug, msgSlugTaken},
		{stytchb2b.ErrSlugInvalid, views.FieldOrgSlug, msgSlugRule},
		{stytchb2b.ErrNameInvalid, views.FieldOrgName, msgOrgNameRefused},
	}
	settingsProblems = []problem{
		{stytchb2b.ErrDomainTooCommon, views.FieldAllowedDomains, msgDomainTooCommon},
		{stytchb2b.ErrDomainInvalid, views.FieldAllowedDomains, msgDomainInvalid},
		{stytchb2b.ErrSettingsConflict, views.FieldJITByDomain, msgJITNeeded},
	}
	emailCodeProblems = []problem{
		{stytchb2b.ErrCodeWrong, views.FieldCode, msgEmailCodeWrong},
		{stytchb2b.ErrCodeExpired, views.FieldCode, msgCodeExpired},
		{stytchb2b.ErrRateLimited, views.FieldCode, msgCodeTooMany},
	}
	// mfaProblems word a refused code, phone number or setup of the second sign-in step and the
	// account page (the form says which field).
	mfaProblems = []problem{
		{stytchb2b.ErrRateLimited, "", msgTooManyCodes},
		{stytchb2b.ErrCodeWrong, "", msgCodeWrong},
		{stytchb2b.ErrCodeUsed, "", msgTOTPUsed},
		{stytchb2b.ErrCodeExpired, "", msgSMSExpired},
		{stytchb2b.ErrRecoveryCodeWrong, "", msgRecoveryWrong},
		{stytchb2b.ErrTOTPSetupExpired, "", msgTOTPSetupExpired},
		{stytchb2b.ErrNoTOTP, "", msgNoTOTP},
		{stytchb2b.ErrNoPhone, "", msgNoPhone},
		{stytchb2b.ErrTOTPExists, "", msgTOTPExists},
		{stytchb2b.ErrPhoneInvalid, "", msgPhoneRefused},
		{stytchb2b.ErrPhoneTaken, "", msgPhoneTaken},
		{stytchb2b.ErrPhoneMismatch, "", msgPhoneMismatch},
		{stytchb2b.ErrMethodNotAllowed, "", msgMethodOff},
		{stytchb2b.ErrNeedsMFASession, "", msgNeedsMFASession},
		{stytchb2b.ErrMFASettings, "", msgMFAPolicyInvalid},
	}
)

// mfaProblem words a refused code, phone number or setup, shown next to the form that sent it
// ("" for errors that are not about what was typed).
func mfaProblem(err error) string {
	p, _ := problemOf(err, mfaProblems)
	return p.msg
}

// ceilSeconds rounds a wait up to whole seconds (0 for none).
func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(math.Ceil(d.Seconds()))
}

// The second sign-in step (MFA): what a person reads about a code, a phone number or the step.
const (
	msgMFAExpired        = "Your sign-in expired before you finished the second step (it lasts 10 minutes). Enter your email to get a new link."
	msgTOTPEmpty         = "Enter the 6-digit code your authenticator app shows."
	msgSMSEmpty          = "Enter the 6-digit code we texted you."
	msgCodeWrong         = "That code isn't right. Please try again."
	msgNoPhone           = "You don't have a phone number set up here."
	msgTOTPExists        = "You already have an authenticator app set up here."
	msgTOTPWrong         = "That code isn't right. Check that you're reading the entry for this organization, wait for the next code, and try again."
	msgTOTPUsed          = "That code was already used. Wait for the app to show the next one (they change every 30 seconds)."
	msgSMSWrong          = "That code isn't right. Check the last text we sent, or send a new code."
	msgSMSExpired        = "That code has expired or was already used (codes work once, for 2 minutes). Send a new code and enter that one."
	msgTooManyCodes      = "Too many wrong codes. Please wait 5 minutes and try again, or use another way to sign in."
	msgTOTPSetupExpired  = "This setup took too long and expired. Set up the authenticator app again to get a new QR code."
	msgRecoveryEmpty     = "Enter one of your recovery codes."
	msgRecoveryIsOTP     = "That looks like a code from your authenticator app. Enter it above, or enter a recovery code here (like abcd-efgh-ijkl)."
	msgRecoveryMalformed = "Recovery codes look like abcd-efgh-ijkl: letters and digits in groups, separated by dashes."
	msgRecoveryWrong     = "That recovery code isn't right or was already used. Each code works once; try another one."
	msgNoTOTP            = "You don't have an authenticator app set up here, so recovery codes don't work. Use another way to sign in."
	msgPhoneEmpty        = "Enter your mobile number."
	msgPhoneChars        = "A phone number has only digits after the +. Leave out letters and other signs."
	msgPhoneNoCountry    = "Start with + and your country code, like +1 for the US or +44 for the UK."
	msgPhoneShort        = "That number is too short: enter the country code and the whole number."
	msgPhoneLong         = "That number is too long: a phone number has at most 15 digits after the +."
	msgPhoneInvalid      = "That isn't a phone number we can text. Enter + then the country code and number."
	msgPhoneRefused      = "We can't text that number. Please check it, or use another one."
	msgPhoneTaken        = "Another member of this organization already uses that number. Please use your own."
	msgPhoneMismatch     = "You already have another number set up. Texted codes go to that number."
	msgMethodOff         = "This organization doesn't allow that way of signing in. Please use another one."
	msgNeedsMFASession   = "To add another sign-in step, first sign in again with the one you have."
	msgMFAPolicyInvalid  = "These settings can't be saved. Allow at least one method."
	msgMFAMethodsNone    = "Allow at least one method, or people couldn't set up a second step."
)
