package handlers

import (
	"net/http"

	"github.com/orgpick/orgpick/stytchb2b"
)

// routes is the URL table. signedIn and can (a permission of Stytch's RBAC policy) show who
// may reach a route; the rest are
// open (each sends people where they belong when there is nothing for them).
func (a *app) routes() http.Handler {
	signedIn, can := a.guard.signedIn, a.guard.can

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.auth.LoginPage)
	mux.HandleFunc("POST /login", a.auth.LoginSubmit)
	mux.HandleFunc("GET /check-email", a.auth.CheckEmailPage)
	mux.HandleFunc("GET /authenticate", a.auth.AuthenticatePage)
	mux.HandleFunc("POST /authenticate", a.auth.AuthenticateSubmit)
	mux.HandleFunc("POST /authenticate/code", a.auth.CodeSubmit)
	mux.HandleFunc("POST /oauth/{provider}", a.auth.OAuthStart)
	mux.HandleFunc("GET /orgs", a.orgs.ChooserPage)
	mux.HandleFunc("POST /orgs/select", a.orgs.SelectSubmit)
	mux.HandleFunc("POST /orgs/create", a.orgs.CreateSubmit)
	mux.HandleFunc("POST /orgs/switch", signedIn(a.orgs.SwitchSubmit))
	mux.HandleFunc("GET /orgs/new", signedIn(a.orgs.NewOrgPage))
	mux.HandleFunc("POST /orgs/new", signedIn(a.orgs.NewOrgSubmit))
	mux.HandleFunc("GET /dashboard", signedIn(a.dashboard.DashboardPage))
	mux.HandleFunc("POST /logout", a.dashboard.LogoutSubmit)
	mux.HandleFunc("GET /members", signedIn(a.members.MembersPage))
	mux.HandleFunc("POST /members/invite", can(stytchb2b.InviteMembers, a.members.InviteSubmit))
	mux.HandleFunc("POST /members/resend", can(stytchb2b.InviteMembers, a.members.ResendSubmit))
	mux.HandleFunc("POST /members/revoke", can(stytchb2b.RemoveMembers, a.members.RevokeSubmit))
	mux.HandleFunc("POST /members/roles", can(stytchb2b.EditRoles, a.members.RolesSubmit))
	mux.HandleFunc("POST /members/remove", can(stytchb2b.RemoveMembers, a.members.RemoveSubmit))
	mux.HandleFunc("POST /members/restore", can(stytchb2b.RemoveMembers, a.members.RestoreSubmit))
	mux.HandleFunc("POST /members/mfa/reset", can(stytchb2b.ResetFactors, a.members.FactorsResetSubmit))
	mux.HandleFunc("POST /members/sessions/revoke", can(stytchb2b.RevokeSessions, a.members.SignOutSubmit))
	mux.HandleFunc("GET /settings", can(stytchb2b.EditJoinRules, a.settings.SettingsPage))
	mux.HandleFunc("POST /settings", can(stytchb2b.EditJoinRules, a.settings.SettingsSubmit))
	mux.HandleFunc("POST /settings/mfa", can(stytchb2b.EditMFAPolicy, a.settings.MFASubmit))
	mux.HandleFunc("POST /settings/profile", can(stytchb2b.EditOrgProfile, a.settings.ProfileSubmit))
	mux.HandleFunc("POST /settings/methods", can(stytchb2b.EditSignInMethods, a.settings.MethodsSubmit))
	mux.HandleFunc("POST /settings/delete", can(stytchb2b.DeleteOrgs, a.settings.DeleteSubmit))
	mux.HandleFunc("GET /mfa", a.mfa.MFAPage)
	mux.HandleFunc("POST /mfa/oauth/{provider}", a.mfa.OAuthStart)
	mux.HandleFunc("POST /mfa/totp/setup", a.mfa.TOTPSetupSubmit)
	mux.HandleFunc("POST /mfa/totp", a.mfa.TOTPSubmit)
	mux.HandleFunc("POST /mfa/sms/send", a.mfa.SMSSendSubmit)
	mux.HandleFunc("POST /mfa/sms", a.mfa.SMSSubmit)
	mux.HandleFunc("POST /mfa/recovery", a.mfa.RecoverySubmit)
	mux.HandleFunc("GET /mfa/recovery-codes", signedIn(a.mfa.RecoveryCodesPage))
	mux.HandleFunc("POST /mfa/recovery-codes", signedIn(a.mfa.RecoveryCodesSubmit))
	mux.HandleFunc("GET /account", signedIn(a.account.AccountPage))
	mux.HandleFunc("POST /account/totp", signedIn(a.account.TOTPSubmit))
	mux.HandleFunc("POST /account/totp/confirm", signedIn(a.account.TOTPConfirmSubmit))
	mux.HandleFunc("POST /account/phone", signedIn(a.account.PhoneSubmit))
	mux.HandleFunc("POST /account/phone/confirm", signedIn(a.account.PhoneConfirmSubmit))
	mux.HandleFunc("POST /account/recovery-codes", signedIn(a.account.RecoveryCodesSubmit))
	mux.HandleFunc("POST /account/recovery-codes/rotate", signedIn(a.account.RotateSubmit))
	mux.HandleFunc("GET /account/confirm", signedIn(a.account.ConfirmPage))
	mux.HandleFunc("POST /account/confirm/totp", signedIn(a.account.ConfirmTOTPSubmit))
	mux.HandleFunc("POST /account/confirm/sms/send", signedIn(a.account.ConfirmSendSubmit))
	mux.HandleFunc("POST /account/confirm/sms", signedIn(a.account.ConfirmSMSSubmit))
	mux.HandleFunc("POST /account/confirm/recovery", signedIn(a.account.ConfirmRecoverySubmit))
	mux.HandleFunc("POST /account/sessions/revoke", signedIn(a.account.SessionRevokeSubmit))
	mux.HandleFunc("POST /account/sessions/revoke-others", signedIn(a.account.RevokeOthersSubmit))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { a.re.fail(w, r, ErrNotFound) })

	// Static files, health and dev routes need no session: they skip the session store.
	root := http.NewServeMux()
	root.Handle("GET /assets/", a.d.Assets)
	root.Handle("GET /favicon.ico", http.RedirectHandler(a.d.Assets.URL("favicon.svg"), http.StatusMovedPermanently))
	root.HandleFunc("GET /healthz", health(a.d.Store, a.d.Log, a.d.Metrics))
	if a.d.Dev != nil {
		root.Handle("/dev/", a.d.Dev)
	}
	m := a.d.Metrics // labels requests with the pattern that matched, never the raw path
	root.Handle("/", a.d.Sessions.LoadAndSave(m.Routes(mux)))
	return m.Middleware(a.re.recoverPanics(securityHeaders(a.d.OAuth.formSources(), a.re.crossOrigin(limitBodies(m.Routes(root))))))
}
