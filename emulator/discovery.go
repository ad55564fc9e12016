package emulator

import (
	"context"
	"database/sql"
	"net/http"
	"slices"
	"strings"
	"time"
)

const (
	discoveryLinkLifetime = 60 * time.Minute
	istLifetime           = 10 * time.Minute
)

// discoveredOrg is the DiscoveredOrganization wire object.
type discoveredOrg struct {
	MemberAuthenticated bool          `json:"member_authenticated"`
	Organization        *organization `json:"organization"`
	Membership          membership    `json:"membership"`
	PrimaryRequired     any           `json:"primary_required"`
	MFARequired         any           `json:"mfa_required"`
}

type membership struct {
	Type    string  `json:"type"`
	Details any     `json:"details"`
	Member  *member `json:"member"`
}

var membershipTypes = map[string]string{
	"active":  "active_member",
	"pending": "pending_member",
	"invited": "invited_member",
}

// discoveredOrgs computes the organizations email can enter: its active, pending and invited
// memberships and, when withEligible, the organizations it may join by email domain. factors
// are what the IST or session proves; an organization whose primary policy they don't satisfy
// answers primary_required.
func discoveredOrgs(ctx context.Context, q querier, email string, withEligible bool, factors []authFactor) ([]discoveredOrg, error) {
	out := []discoveredOrg{}
	ms, err := membersByEmail(ctx, q, email)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, m := range ms {
		typ, ok := membershipTypes[m.Status]
		if !ok {
			continue
		}
		o, err := getOrg(ctx, q, m.OrganizationID)
		if err != nil {
			return nil, err
		}
		seen[o.OrganizationID] = true
		wm := m.member
		authenticated, primary, mfa := discoveredStep(o, m, factors)
		out = append(out, discoveredOrg{MemberAuthenticated: authenticated, Organization: o,
			Membership: membership{Type: typ, Member: &wm}, PrimaryRequired: primary, MFARequired: mfa})
	}
	if !withEligible {
		return out, nil
	}
	orgs, err := listOrgs(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		if seen[o.OrganizationID] {
			continue
		}
		ok, err := eligibleByDomain(ctx, q, o, email)
		if err != nil {
			return nil, err
		}
		if ok {
			authenticated, primary, mfa := discoveredStep(o, nil, factors)
			out = append(out, discoveredOrg{MemberAuthenticated: authenticated, Organization: o, PrimaryRequired: primary, MFARequired: mfa,
				Membership: membership{Type: "eligible_to_join_by_email_domain", Details: map[string]any{"domain": domainOf(email)}}})
		}
	}
	return out, nil
}

// eligibleByDomain: the organization allows JIT by email domain (RESTRICTED), the email's
// domain is allowed, and — the Discovery anti-phishing rule — some non-deleted member already
// has a verified email at that domain.
func eligibleByDomain(ctx context.Context, q querier, o *organization, email string) (bool, error) {
	domain := domainOf(email)
	if o.EmailJITProvisioning != "RESTRICTED" || !slices.Contains(o.EmailAllowedDomains, domain) {
		return false, nil
	}
	ms, err := membersOfOrg(ctx, q, o.OrganizationID)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if m.Status != "deleted" && m.EmailAddressVerified && domainOf(m.EmailAddress) == domain {
			return true, nil
		}
	}
	return false, nil
}

// POST /v1/b2b/magic_links/email/discovery/send
func (e *Emulator) discoverySend(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		EmailAddress         string `json:"email_address"`
		DiscoveryRedirectURL string `json:"discovery_redirect_url"`
		ExpirationMinutes    int    `json:"discovery_expiration_minutes"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	lifetime, err := linkLifetime(req.ExpirationMinutes, discoveryLinkLifetime)
	if err != nil {
		return nil, err
	}
	email, err := normalizeEmail(req.EmailAddress)
	if err != nil {
		return nil, err
	}
	redirect, err := e.checkRedirect(req.DiscoveryRedirectURL,
		newAPIError(400, "invalid_discovery_redirect_url", "The discovery_redirect_url is not one of the allowed redirect URLs for this project."))
	if err != nil {
		return nil, err
	}
	now := e.now()
	if !e.limiter.allow(email, now) {
		return nil, errRateLimited
	}
	tok := newMagicToken()
	if err := insertMagicLink(ctx, tx, tok, magicLink{Kind: "discovery", Email: email}, now.Add(lifetime)); err != nil {
		return nil, err
	}
	err = e.recordMail(ctx, tx, Message{To: email, Subject: "Your sign-in link", Kind: "discovery",
		Link: linkWithToken(redirect, "discovery", tok), SentAt: now})
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

// POST /v1/b2b/magic_links/discovery/authenticate
func (e *Emulator) discoveryAuthenticate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		Token string `json:"discovery_magic_links_token"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	now := e.now()
	ml, err := consumeMagicLink(ctx, tx, req.Token, now, "discovery")
	if err != nil {
		return nil, err
	}
	ist := newSessionToken()
	if err := insertIST(ctx, tx, ist, ml.Email, "email-test-"+newUUID(), now, now.Add(istLifetime)); err != nil {
		return nil, err
	}
	factor := magicLinkFactor("", ml.Email, now)
	return discoveryResult(ctx, tx, ist, ml.Email, factor, now)
}

// POST /v1/b2b/discovery/intermediate_sessions/exchange
func (e *Emulator) istExchange(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		IST                    string         `json:"intermediate_session_token"`
		OrganizationID         string         `json:"organization_id"`
		SessionDurationMinutes int            `json:"session_duration_minutes"`
		SessionCustomClaims    map[string]any `json:"session_custom_claims"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	d, err := sessionDuration(req.SessionDurationMinutes, defaultSessionMins)
	if err != nil {
		return nil, err
	}
	now := e.now()
	ist, err := getIST(ctx, tx, req.IST, now)
	if err != nil {
		return nil, err
	}
	o, err := getOrg(ctx, tx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	m, err := memberByEmail(ctx, tx, o.OrganizationID, ist.Email)
	if err != nil {
		return nil, err
	}
	if m != nil {
		if err := e.activate(ctx, tx, m, now); err != nil {
			return nil, err
		}
	} else {
		ok, err := eligibleByDomain(ctx, tx, o, ist.Email)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errNotEligible
		}
		m = newMember(o.OrganizationID, ist.Email, "active", true, nil, now)
		if err := saveMember(ctx, tx, m, now); err != nil {
			return nil, err
		}
	}
	factors, err := istFactors(ctx, tx, ist, m, now)
	if err != nil {
		return nil, err
	}
	return e.finishPrimary(ctx, tx, primaryAuth{Member: m, Org: o, Factors: factors, Duration: d,
		Claims: req.SessionCustomClaims, Source: ist})
}

// POST /v1/b2b/discovery/organizations/create
func (e *Emulator) discoveryOrgCreate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		IST                    string         `json:"intermediate_session_token"`
		SessionDurationMinutes int            `json:"session_duration_minutes"`
		SessionCustomClaims    map[string]any `json:"session_custom_claims"`
		orgSettings
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	d, err := sessionDuration(req.SessionDurationMinutes, defaultSessionMins)
	if err != nil {
		return nil, err
	}
	now := e.now()
	ist, err := getIST(ctx, tx, req.IST, now)
	if err != nil {
		return nil, err
	}
	if req.OrganizationName == nil || req.OrganizationSlug == nil {
		name, slug, err := deriveOrgName(ctx, tx, ist.Email)
		if err != nil {
			return nil, err
		}
		if req.OrganizationName == nil {
			req.OrganizationName = &name
		}
		if req.OrganizationSlug == nil {
			req.OrganizationSlug = &slug
		}
	}
	o := newOrganizationFor(&req.orgSettings, now)
	if err := req.orgSettings.apply(o); err != nil {
		return nil, err
	}
	if err := checkSlugFree(ctx, tx, o); err != nil {
		return nil, err
	}
	if err := saveOrg(ctx, tx, o, now); err != nil {
		return nil, err
	}
	m := newMember(o.OrganizationID, ist.Email, "active", true, []string{roleAdmin}, now)
	if err := saveMember(ctx, tx, m, now); err != nil {
		return nil, err
	}
	factors, err := istFactors(ctx, tx, ist, m, now)
	if err != nil {
		return nil, err
	}
	return e.finishPrimary(ctx, tx, primaryAuth{Member: m, Org: o, Factors: factors, Duration: d,
		Claims: req.SessionCustomClaims, Source: ist})
}

// POST /v1/b2b/discovery/organizations
func (e *Emulator) discoveryOrgList(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		IST          string `json:"intermediate_session_token"`
		SessionToken string `json:"session_token"`
		SessionJWT   string `json:"session_jwt"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	n := 0
	for _, v := range []string{req.IST, req.SessionToken, req.SessionJWT} {
		if v != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return nil, newAPIError(400, "no_session_arguments", "Provide one of intermediate_session_token, session_token or session_jwt.")
	case n > 1:
		return nil, newAPIError(400, "too_many_session_arguments", "Provide only one of intermediate_session_token, session_token or session_jwt.")
	}
	var email, hint string
	var factors []authFactor
	withEligible := req.IST != ""
	if withEligible {
		ist, err := getIST(ctx, tx, req.IST, e.now())
		if err != nil {
			return nil, err
		}
		email = ist.Email
		if hint, err = istOrgHint(ctx, tx, ist); err != nil {
			return nil, err
		}
		if factors, err = istOwnFactors(ctx, tx, ist, e.now()); err != nil {
			return nil, err
		}
	} else {
		s, err := e.lookupSession(ctx, tx, req.SessionToken, req.SessionJWT)
		if err != nil {
			return nil, err
		}
		m, err := getMember(ctx, tx, s.MemberID)
		if err != nil {
			return nil, err
		}
		email, factors = m.EmailAddress, s.Factors
	}
	orgs, err := discoveredOrgs(ctx, tx, email, withEligible, factors)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"email_address":            email,
		"discovered_organizations": orgs,
		"organization_id_hint":     hint,
	}, nil
}

func domainOf(email string) string {
	_, d, _ := strings.Cut(email, "@")
	return strings.ToLower(d)
}
