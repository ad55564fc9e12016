package handlers

import (
	"net/http"

	"github.com/orgpick/orgpick/stytchb2b"
)

// routes is the URL table. signedIn and can (a permission of Stytch's RBAC policy) show who
// may reach a route; the rest are
// open (each sends people where they belong when there is nothing for them).
func (a *app) routes() http.Handler {
	mux := a.pages()

	// Static files, health and dev routes need no session: they skip the session store.
	root := http.NewServeMux()
	root.Handle("GET /assets/", a.d.Assets)
	root.Handle("GET /favicon.ico", http.RedirectHandler(a.d.Assets.URL("favicon.svg"), http.StatusMovedPermanently))
	root.HandleFunc("GET /healthz", health(a.d.Store, a.d.Log, a.d.Metrics))
	if a.d.Dev != nil {
		root.Handle("/dev/", a.d.Dev)
	}
	m := a.d.Metrics // labels requests with the pattern that matched, never the raw path
	root.Handle("/", a.d.Sessions.LoadAndSave(a.returns.carry(m.Routes(mux))))
	h := m.Middleware(a.re.recoverPanics(securityHeaders(a.d.OAuth.formSources(), a.re.crossOrigin(limitBodies(m.Routes(root))))))
	return a.front(h)
}

// pages is the URL table of the app's own pages, the ones with a session.
func (a *app) pages() *http.ServeMux {
	signedIn, can := a.guard.signedIn, a.guard.can

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.returns.remember(a.auth.LoginPage)) // ?return_to=: where a sign-in ends
	mux.HandleFunc("GET /auth/verify", a.gate.VerifyPage)            // forward auth (nginx, Caddy, Traefik): 200 + identity, 401, 403
	mux.HandleFunc("POST /login", a.sso.LoginOr(a.auth.LoginSubmit)) // method=sso: sso.go
	mux.HandleFunc("GET /check-email", a.auth.CheckEmailPage)
	mux.HandleFunc("GET /authenticate", a.sso.LandingOr(a.auth.AuthenticatePage)) // stytch_token_type=sso: sso.go
	mux.HandleFunc("POST /authenticate", a.auth.AuthenticateSubmit)
	mux.HandleFunc("POST /authenticate/code", a.auth.CodeSubmit)
	mux.HandleFunc("POST /oauth/{provider}", a.auth.OAuthStart)
	mux.HandleFunc("GET /sso", a.sso.ChoicePage)
	mux.HandleFunc("POST /sso/start", a.sso.StartSubmit)
	mux.HandleFunc("GET /org/{slug}", a.sso.OrgPage)
	mux.HandleFunc("POST /org/{slug}/login", a.sso.OrgLoginSubmit)
	mux.HandleFunc("POST /org/{slug}/code", a.sso.OrgCodeSubmit)
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
	mux.HandleFunc("GET /settings/sso", can(stytchb2b.ViewSSO, a.ssoSetup.SetupPage))
	mux.HandleFunc("POST /settings/sso/saml", can(stytchb2b.CreateSSO, a.ssoSetup.SAMLSubmit))
	mux.HandleFunc("POST /settings/sso/oidc", can(stytchb2b.CreateSSO, a.ssoSetup.OIDCSubmit))
	mux.HandleFunc("POST /settings/sso/delete", can(stytchb2b.DeleteSSO, a.ssoSetup.DeleteSubmit))
	mux.HandleFunc("POST /settings/sso/default", can(stytchb2b.SetDefaultSSO, a.ssoSetup.DefaultSubmit))
	mux.HandleFunc("POST /settings/sso/domains", can(stytchb2b.UpdateSSO, a.ssoSetup.DomainsSubmit))
	mux.HandleFunc("POST /settings/sso/settings", can(stytchb2b.EditSSOOrgSettings, a.ssoSetup.SettingsSubmit))
	mux.HandleFunc("POST /settings/sso/test", can(stytchb2b.ViewSSO, a.ssoSetup.TestSubmit))
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
	return mux
}
