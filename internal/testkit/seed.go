package testkit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/b2bstytchapi"
	discoveryorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks"
	mldiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/discovery"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	emaildiscovery "github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email/discovery"
	"github.com/stytchauth/stytch-go/v16/stytch/methodoptions"
)

// Seeder makes, through the Stytch SDK, what the app has no screen for (organizations that
// exist before a journey starts, invitations accepted elsewhere).
type Seeder struct {
	API      *b2bstytchapi.API
	Mailbox  Mailbox
	Redirect string                                           // BASE_URL/authenticate: where the links land
	Advance  func(ctx context.Context, d time.Duration) error // moves the emulator's clock
}

// NewSeeder is a Seeder for the running binary's embedded emulator.
func (s *Server) NewSeeder() (*Seeder, error) {
	api, err := b2bstytchapi.NewClient(EmulatorProjectID, EmulatorSecret, b2bstytchapi.WithBaseURI(s.APIURL))
	if err != nil {
		return nil, fmt.Errorf("stytch client on %s: %w", s.APIURL, err)
	}
	return &Seeder{API: api, Mailbox: s, Redirect: s.Base() + s.Prefix + "/authenticate", Advance: s.AdvanceClock}, nil
}

// CreateOrg makes an organization whose first member (admin) is email, the way the app does
// it: discovery link → IST → create. The answer carries the new admin's member ID and session.
func (sd *Seeder) CreateOrg(ctx context.Context, email, name, slug string) (*discoveryorgs.CreateResponse, error) {
	if _, err := sd.API.MagicLinks.Email.Discovery.Send(ctx, &emaildiscovery.SendParams{EmailAddress: email, DiscoveryRedirectURL: sd.Redirect}); err != nil {
		return nil, fmt.Errorf("seed %s: send: %w", name, err)
	}
	link, err := LatestLink(ctx, sd.Mailbox, email)
	if err != nil {
		return nil, fmt.Errorf("seed %s: %w", name, err)
	}
	auth, err := sd.API.MagicLinks.Discovery.Authenticate(ctx, &mldiscovery.AuthenticateParams{DiscoveryMagicLinksToken: link.Query().Get("token")})
	if err != nil {
		return nil, fmt.Errorf("seed %s: authenticate: %w", name, err)
	}
	org, err := sd.API.Discovery.Organizations.Create(ctx, &discoveryorgs.CreateParams{IntermediateSessionToken: auth.IntermediateSessionToken, OrganizationName: name, OrganizationSlug: slug})
	if err != nil {
		return nil, fmt.Errorf("seed %s: create: %w", name, err)
	}
	return org, nil
}

// Memberships makes email an active member of one new organization per name (with the slug
// at the same index), as it happens without this app: each organization is created by its own
// admin (owner-<slug>@<email's domain>), who invites email with the admin's session; email
// opens every invitation (magic_links/authenticate), which makes it an active member. It
// returns the organization IDs in the order of names.
//
// Not CreateOrg per name: the emulator's discovery authenticate reads every organization and
// each of the email's memberships, so n creates by one email cost O(n²).
//
// The emulator lets one address receive a burst of 5 emails, then one a second on its own
// clock, and every invitation is an email to the same address. So after every 5 the emulator's
// clock moves on by 5 s, as if the seeding had waited; it ends with the address's allowance
// full again, for the sign-in that follows. The emulator's clock then runs about n seconds
// ahead of the app's: session JWTs it signs are "not yet valid" for the SDK's local check, so
// the app asks the emulator instead, which accepts them (see emulator/README.md, "Not covered").
func (sd *Seeder) Memberships(ctx context.Context, email string, names, slugs []string) ([]string, error) {
	if len(names) != len(slugs) {
		return nil, fmt.Errorf("seed memberships: %d names, %d slugs", len(names), len(slugs))
	}
	domain := email[strings.LastIndex(email, "@")+1:]
	ids := make([]string, 0, len(names))
	const burst = 5 // the emulator's default per-address email burst
	for first := 0; first < len(names); first += burst {
		n := min(burst, len(names)-first)
		batch := map[string]bool{}
		for i := first; i < first+n; i++ {
			id, err := sd.invite(ctx, email, "owner-"+slugs[i]+"@"+domain, names[i], slugs[i])
			if err != nil {
				return nil, err
			}
			ids, batch[id] = append(ids, id), true
		}
		if err := sd.acceptInvitations(ctx, email, n, batch); err != nil {
			return nil, err
		}
		if err := sd.Advance(ctx, burst*time.Second); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// invite creates an organization as owner and invites email into it.
func (sd *Seeder) invite(ctx context.Context, email, owner, name, slug string) (string, error) {
	org, err := sd.CreateOrg(ctx, owner, name, slug)
	if err != nil {
		return "", err
	}
	id := org.Organization.OrganizationID
	_, err = sd.API.MagicLinks.Email.Invite(ctx,
		&mlemail.InviteParams{OrganizationID: id, EmailAddress: email, InviteRedirectURL: sd.Redirect, InvitedByMemberID: org.Member.MemberID},
		&mlemail.InviteRequestOptions{Authorization: methodoptions.Authorization{SessionToken: org.SessionToken}})
	if err != nil {
		return "", fmt.Errorf("seed %s: invite %s: %w", name, email, err)
	}
	return id, nil
}

// acceptInvitations opens the n newest mails to email, which must be invitations to batch.
func (sd *Seeder) acceptInvitations(ctx context.Context, email string, n int, batch map[string]bool) error {
	msgs, err := sd.Mailbox.Mailbox(ctx, email)
	if err != nil {
		return err
	}
	if len(msgs) < n {
		return fmt.Errorf("seed: %d invitations to %s, but %d mails", n, email, len(msgs))
	}
	for _, m := range msgs[:n] { // newest first: this batch's invitations
		if m.Kind != "invite" || !batch[m.OrganizationID] {
			return fmt.Errorf("seed: expected an invitation, got a %s mail for %q", m.Kind, m.OrganizationID)
		}
		tok, err := LinkToken(m.Link)
		if err != nil {
			return err
		}
		if _, err := sd.API.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{MagicLinksToken: tok}); err != nil {
			return fmt.Errorf("seed: %s accepts the invitation to %s: %w", email, m.OrganizationID, err)
		}
	}
	return nil
}
