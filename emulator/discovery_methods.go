package emulator

import (
	"context"
	"database/sql"
	"time"
)

// Shared by the discovery methods other than magic links (email OTP, OAuth): the IST they
// create carries their factor, and their authenticate response is the magic-link one.

// oauthFactor is the google_oauth_factor / microsoft_oauth_factor of a session factor.
type oauthFactor struct {
	ID              string `json:"id"`
	ProviderSubject string `json:"provider_subject"`
	EmailID         string `json:"email_id"`
}

// newDiscoveryIST creates a 10-minute intermediate session for email holding factor.
func newDiscoveryIST(ctx context.Context, tx *sql.Tx, email string, factor authFactor, now time.Time) (string, error) {
	ist := newSessionToken()
	if err := insertIST(ctx, tx, ist, email, "email-test-"+newUUID(), now, now.Add(istLifetime)); err != nil {
		return "", err
	}
	if err := insertISTFactor(ctx, tx, ist, factor); err != nil {
		return "", err
	}
	return ist, nil
}

// discoveryISTFactors are the factors a session issued from a discovery IST starts with: its primary factor
// (an email magic link unless recorded otherwise), stamped now and tied to m's email.
func discoveryISTFactors(ctx context.Context, q querier, ist *intermediateSession, m *storedMember, now time.Time) ([]authFactor, error) {
	rec, err := getISTFactor(ctx, q, ist.Hash)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return []authFactor{magicLinkFactor(m.EmailID, m.EmailAddress, now)}, nil
	}
	f := *rec
	f.LastAuthenticatedAt, f.CreatedAt, f.UpdatedAt = ts(now), ts(now), ts(now)
	if f.EmailFactor != nil {
		f.EmailFactor = &emailFactor{EmailID: m.EmailID, EmailAddress: m.EmailAddress}
	}
	for _, of := range []*oauthFactor{f.GoogleOAuthFactor, f.MicrosoftOAuthFactor} {
		if of != nil {
			of.EmailID = m.EmailID
		}
	}
	return []authFactor{f}, nil
}

// discoveryResult is the body of every discovery authenticate: the IST, the email and the
// organizations it may enter with the IST's factor.
func discoveryResult(ctx context.Context, tx *sql.Tx, ist, email string, factor authFactor, now time.Time) (map[string]any, error) {
	orgs, err := discoveredOrgs(ctx, tx, email, true, []authFactor{factor})
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"intermediate_session_token":            ist,
		"intermediate_session_token_expires_at": ts(now.Add(istLifetime)),
		"email_address":                         email,
		"discovered_organizations":              orgs,
	}, nil
}
