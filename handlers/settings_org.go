package handlers

import (
	"context"
	"slices"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// OrgAdmin is what the organization's profile, sign-in methods and deletion need of the Stytch
// adapter, each call with the acting member's session (MemberSessions: project credentials,
// for the admin's own sessions only).
type OrgAdmin interface {
	UpdateOrgProfile(ctx context.Context, sessionToken, orgID string, p stytchb2b.OrgProfile) (stytchb2b.Org, error)
	UpdateSignInMethods(ctx context.Context, sessionToken, orgID string, s stytchb2b.SignInMethods) error
	DeleteOrg(ctx context.Context, sessionToken, orgID string) error
	MemberSessions(ctx context.Context, orgID, memberID string) ([]stytchb2b.MemberSession, error)
}

// orgSettingsData fills the profile, sign-in methods and delete forms from the organization.
func orgSettingsData(d *views.SettingsData, s stytchb2b.OrgSettings) {
	d.Profile = views.ProfileData{Name: s.Profile.Name, Slug: s.Profile.Slug, LogoURL: s.Profile.LogoURL}
	d.Methods = methodsData(s.SignIn.AuthMethods == stytchb2b.Restricted, s.SignIn.Allowed, s.SignIn.EmailInvites)
	d.Delete = views.DeleteOrgData{OrgName: s.Profile.Name, Slug: s.Profile.Slug}
	if d.Delete.OrgName == "" {
		d.Delete.OrgName = d.OrgName
	}
}

// methodsData shows the sign-in methods form.
func methodsData(restricted bool, allowed []string, invites string) views.MethodsData {
	d := views.MethodsData{Restricted: restricted, EmailInvites: invites, Invites: emailInviteChoices}
	if !slices.ContainsFunc(emailInviteChoices, func(o views.Option) bool { return o.Value == invites }) {
		d.EmailInvites = stytchb2b.AllAllowed
	}
	for _, o := range signInMethods {
		d.Methods = append(d.Methods, views.MethodChoice{Value: o.Value, Label: o.Label, Allowed: slices.Contains(allowed, o.Value)})
	}
	return d
}
