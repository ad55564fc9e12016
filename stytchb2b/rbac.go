package stytchb2b

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/rbac"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/shared"
)

// Permission is an action on a resource of Stytch's RBAC policy (e.g. stytch.member create).
type Permission struct{ Resource, Action string }

// The permissions the app's admin pages need, from Stytch's default policy: custom roles that
// grant them work too. One table, by page.
var (
	// Members.
	InviteMembers = Permission{"stytch.member", "create"}
	RemoveMembers = Permission{"stytch.member", "delete"}
	ListMembers   = Permission{"stytch.member", "search"}
	// Settings: joining by email domain, MFA, the profile, sign-in methods and deletion.
	EditJoinRules     = Permission{"stytch.organization", "update.settings.allowed-domains"}
	EditMFAPolicy     = Permission{"stytch.organization", "update.settings.mfa-policy"}
	EditOrgProfile    = Permission{"stytch.organization", "update.info.name"}
	EditSignInMethods = Permission{"stytch.organization", "update.settings.allowed-auth-methods"}
	DeleteOrgs        = Permission{"stytch.organization", "delete"}
	// SSO setup (Stytch's stytch.sso resource, and the organization's SSO settings).
	ViewSSO            = Permission{"stytch.sso", "get"}
	CreateSSO          = Permission{"stytch.sso", "create"}
	UpdateSSO          = Permission{"stytch.sso", "update"}
	DeleteSSO          = Permission{"stytch.sso", "delete"}
	EditSSOOrgSettings = Permission{"stytch.organization", "update.settings.sso-jit-provisioning"}
	SetDefaultSSO      = Permission{"stytch.organization", "update.settings.default-sso-connection"}
)

// policyLife is how long the fetched RBAC policy is used before it is fetched again (the SDK's
// own cadence).
const policyLife = 5 * time.Minute

// policyCache keeps the project's RBAC policy (GET /v1/b2b/rbac/policy). Unlike the SDK's
// PolicyCache it is safe for concurrent use.
type policyCache struct {
	mu      sync.Mutex
	policy  *rbac.Policy
	fetched time.Time
}

// Can reports whether roles (a member's, in orgID) grant p under the project's RBAC policy.
// It decides what a page offers; the action itself is checked by Stytch (RecheckSession with
// the permission, and the member's session on every admin call).
func (c *Client) Can(ctx context.Context, roles []string, orgID string, p Permission) bool {
	policy, err := c.policy(ctx)
	if err != nil {
		return false // offer less; Stytch still decides on the action
	}
	return shared.PerformAuthorizationCheck(policy, roles, orgID, p.check(orgID)) == nil
}

func (c *Client) policy(ctx context.Context) (*rbac.Policy, error) {
	c.policies.mu.Lock()
	defer c.policies.mu.Unlock()
	if c.policies.policy != nil && time.Since(c.policies.fetched) < policyLife {
		return c.policies.policy, nil
	}
	resp, err := call(ctx, c, "rbac policy", c.api.RBAC.Policy, &rbac.PolicyParams{})
	if err != nil {
		return nil, err
	}
	if resp.Policy == nil {
		return nil, errors.New("rbac policy: empty answer")
	}
	c.policies.policy, c.policies.fetched = resp.Policy, time.Now()
	return resp.Policy, nil
}

func (p Permission) check(orgID string) *sessions.AuthorizationCheck {
	return &sessions.AuthorizationCheck{OrganizationID: orgID, ResourceID: p.Resource, Action: p.Action}
}

// WarmPolicy fetches the RBAC policy now (at start, as the SDK fetches the JWKS), so the first
// page views and sign-ins don't pay for it; after that it is fetched again every 5 minutes.
func (c *Client) WarmPolicy(ctx context.Context) error {
	_, err := c.policy(ctx)
	return err
}
