package stytchb2b

import (
	"context"
	"strings"

	oauthdiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/oauth/discovery"
	otpemaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/otp/email/discovery"
)

// The discovery methods beside the magic link: an emailed one-time code and OAuth (Google,
// Microsoft). Each ends like the link, with an IST and the organizations the email may enter.

// SendDiscoveryCode emails a one-time code for discovery.
func (c *Client) SendDiscoveryCode(ctx context.Context, email string) error {
	_, err := call(ctx, c, "send discovery code", c.api.OTPs.Email.Discovery.Send, &otpemaildiscovery.SendParams{EmailAddress: email})
	return err
}

// AuthenticateDiscoveryCode checks the code emailed to email: the IST and every org it may enter.
func (c *Client) AuthenticateDiscoveryCode(ctx context.Context, email, code string) (Discovery, error) {
	resp, err := call(ctx, c, "authenticate discovery code", c.api.OTPs.Email.Discovery.Authenticate, &otpemaildiscovery.AuthenticateParams{EmailAddress: email, Code: code})
	if err != nil {
		return Discovery{}, err
	}
	return Discovery{IST: resp.IntermediateSessionToken, Email: resp.EmailAddress, Orgs: discovered(resp.DiscoveredOrganizations)}, nil
}

// AuthenticateDiscoveryOAuth spends the token Stytch sent the browser back with, proving the
// browser that started the flow holds verifier (PKCE).
func (c *Client) AuthenticateDiscoveryOAuth(ctx context.Context, token, verifier string) (Discovery, error) {
	resp, err := call(ctx, c, "authenticate discovery oauth", c.api.OAuth.Discovery.Authenticate, &oauthdiscovery.AuthenticateParams{DiscoveryOAuthToken: token, PkceCodeVerifier: verifier})
	if err != nil {
		return Discovery{}, err
	}
	return Discovery{IST: resp.IntermediateSessionToken, Email: resp.EmailAddress, Orgs: discovered(resp.DiscoveredOrganizations)}, nil
}

// APIBase is the origin of the Stytch API the SDK talks to for a project: baseURL when set
// (the emulator or an override), else Stytch's test or live API by the project ID.
func APIBase(projectID, baseURL string) string {
	switch {
	case baseURL != "":
		return baseURL
	case strings.HasPrefix(projectID, "project-live-"):
		return "https://api.stytch.com"
	default:
		return "https://test.stytch.com"
	}
}
