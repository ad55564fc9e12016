package stytchb2b

import (
	"context"
	"errors"

	orgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
)

// adminRole is Stytch's built-in admin role, given to an organization's creator.
const adminRole = "stytch_admin"

// NewOrgFor creates an organization for a signed-in person in one step, without a discovery
// sign-in: the organization (backend create, Stytch's default settings), then the person as
// its active admin. The caller then exchanges the person's session into it (ExchangeSession),
// as discovery's create would have signed them in. When the member can't be created, the
// empty organization is deleted again.
func (c *Client) NewOrgFor(ctx context.Context, email, name, slug string) (Org, error) {
	resp, err := call(ctx, c, "create organization", c.api.Organizations.Create, &orgs.CreateParams{
		OrganizationName: name, OrganizationSlug: slug,
	})
	if err != nil {
		return Org{}, err
	}
	orgID := resp.Organization.OrganizationID
	_, err = callAs(ctx, c, "create organization admin", c.api.Organizations.Members.Create, &members.CreateParams{
		OrganizationID: orgID, EmailAddress: email, Roles: []string{adminRole},
	}, &members.CreateRequestOptions{})
	if err != nil {
		_, derr := callAs(ctx, c, "delete organization", c.api.Organizations.Delete, &orgs.DeleteParams{OrganizationID: orgID}, &orgs.DeleteRequestOptions{})
		return Org{}, errors.Join(err, derr)
	}
	return orgOf(&resp.Organization), nil
}
