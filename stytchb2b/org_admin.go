package stytchb2b

import (
	"context"

	orgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
)

// Sign-in methods an organization may restrict itself to (allowed_auth_methods values).
const (
	AuthMagicLink = "magic_link"
	AuthEmailOTP  = "email_otp"
	AuthGoogle    = "google_oauth"
	AuthMicrosoft = "microsoft_oauth"
	AuthSSO       = "sso"
)

// auth_methods and email_invites values.
const (
	AllAllowed = "ALL_ALLOWED"
	Restricted = "RESTRICTED"
	NotAllowed = "NOT_ALLOWED"
)

// OrgProfile is what an organization is called and shows: name, URL name (slug), logo.
type OrgProfile struct {
	Name, Slug, LogoURL string
}

// SignInMethods are which sign-in methods the organization accepts, and who may be invited.
type SignInMethods struct {
	AuthMethods  string   // AllAllowed or Restricted
	Allowed      []string // with Restricted: the Auth… constants accepted
	EmailInvites string   // AllAllowed, Restricted (the allowed domains only) or NotAllowed
}

// UpdateOrgProfile renames the organization, with the acting member's permissions (each field
// its stytch.organization update.info action). The SDK omits empty fields, so an empty LogoURL
// leaves the logo as it is.
func (c *Client) UpdateOrgProfile(ctx context.Context, sessionToken, orgID string, p OrgProfile) (Org, error) {
	if err := needSession("update organization profile", sessionToken); err != nil {
		return Org{}, err
	}
	resp, err := callAs(ctx, c, "update organization profile", c.api.Organizations.Update, &orgs.UpdateParams{
		OrganizationID: orgID, OrganizationName: p.Name, OrganizationSlug: p.Slug, OrganizationLogoURL: p.LogoURL,
	}, &orgs.UpdateRequestOptions{Authorization: asMember(sessionToken)})
	if err != nil {
		return Org{}, err
	}
	return orgOf(&resp.Organization), nil
}

// UpdateSignInMethods sets which sign-in methods the organization accepts and who may be
// invited, with the acting member's permissions. An empty Allowed leaves the list as it is
// (the SDK omits empty lists).
func (c *Client) UpdateSignInMethods(ctx context.Context, sessionToken, orgID string, s SignInMethods) error {
	return doAsMember(ctx, c, "update sign-in methods", sessionToken, c.api.Organizations.Update, &orgs.UpdateParams{
		OrganizationID: orgID, AuthMethods: s.AuthMethods, AllowedAuthMethods: s.Allowed, EmailInvites: s.EmailInvites,
	}, &orgs.UpdateRequestOptions{Authorization: asMember(sessionToken)})
}

// DeleteOrg deletes the organization, its members and their sessions, with the acting
// member's permissions (stytch.organization delete).
func (c *Client) DeleteOrg(ctx context.Context, sessionToken, orgID string) error {
	return doAsMember(ctx, c, "delete organization", sessionToken, c.api.Organizations.Delete, &orgs.DeleteParams{OrganizationID: orgID},
		&orgs.DeleteRequestOptions{Authorization: asMember(sessionToken)})
}
