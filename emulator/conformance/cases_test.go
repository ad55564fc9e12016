package conformance_test

import (
	"strings"

	dorgs "github.com/stytchauth/stytch-go/v16/stytch/b2b/discovery/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/organizations/members"
	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
)

// commonDomains are one address per name of Stytch's common-email-domain list, under several
// public suffixes.
var commonDomains = []string{"gmail.com", "aol.com", "yahoo.co.jp", "icloud.com", "hotmail.co.uk", "msn.com",
	"comcast.net", "live.com", "outlook.com", "att.net", "earthlink.net", "me.com", "mac.com", "sbcglobal.net",
	"verizon.net", "hey.com", "laposte.net", "wanadoo.fr", "googlemail.com", "orange.fr", "rediffmail.com",
	"uol.com.br", "bol.com.br", "free.fr", "gmx.de", "yandex.ru", "ymail.com", "libero.it"}

func (f *fixture) settingsCases() []errCase {
	update := func(p organizations.UpdateParams) func() error {
		return func() error {
			p.OrganizationID = f.orgID
			_, err := f.c.Organizations.Update(f.ctx, &p)
			return err
		}
	}
	createFrom := func(email string, p dorgs.CreateParams) func() error {
		return func() error {
			p.IntermediateSessionToken = discoverByEmail(f.t, f.ctx, f.c, email).IntermediateSessionToken
			_, err := f.c.Discovery.Organizations.Create(f.ctx, &p)
			return err
		}
	}
	cases := []errCase{
		{"slug taken (any case)", createFrom("s1@new.example", dorgs.CreateParams{OrganizationName: "X", OrganizationSlug: "ERRS"}), 400, "organization_slug_already_used"},
		{"slug invalid", createFrom("s2@new.example", dorgs.CreateParams{OrganizationName: "X", OrganizationSlug: "a/b"}), 400, "invalid_organization_slug"},
		{"name too long", createFrom("s3@new.example", dorgs.CreateParams{OrganizationName: strings.Repeat("n", 129), OrganizationSlug: "long"}), 400, "invalid_organization_name"},
		{"restricted auth methods on create", createFrom("s4@new.example", dorgs.CreateParams{AuthMethods: "RESTRICTED"}), 400, "allowed_auth_methods_required_for_restricted"},
		{"restricted auth methods on update", update(organizations.UpdateParams{AuthMethods: "RESTRICTED"}), 400, "allowed_auth_methods_required_for_restricted"},
		{"unknown auth method", update(organizations.UpdateParams{AuthMethods: "RESTRICTED", AllowedAuthMethods: []string{"fax"}}), 400, "invalid_organization_allowed_auth_methods"},
		{"duplicate allowed domain", update(organizations.UpdateParams{EmailAllowedDomains: []string{"errs.example", "Errs.Example"}}), 400, "organization_settings_duplicate_domain"},
		{"malformed domain", update(organizations.UpdateParams{EmailAllowedDomains: []string{"not a domain"}}), 400, "organization_settings_invalid_domain"},
		{"bad enum value", update(organizations.UpdateParams{EmailJITProvisioning: "ALL_ALLOWED"}), 400, "invalid_email_jit_provisioning"},
		{"all provisioning off", func() error {
			_, err := f.c.Organizations.Create(f.ctx, &organizations.CreateParams{OrganizationName: "Closed", OrganizationSlug: "closed",
				SSOJITProvisioning: "NOT_ALLOWED", EmailJITProvisioning: "NOT_ALLOWED", EmailInvites: "NOT_ALLOWED"})
			return err
		}, 400, "invalid_organization_auth_factor_setting"},
		{"organization name missing", func() error {
			_, err := f.c.Organizations.Create(f.ctx, &organizations.CreateParams{OrganizationSlug: "nameless"})
			return err
		}, 400, "organization_name_missing"},
	}
	for _, d := range commonDomains {
		cases = append(cases, errCase{"common domain " + d, update(organizations.UpdateParams{EmailAllowedDomains: []string{d}}), 400, "organization_settings_domain_too_common"})
	}
	return cases
}

func (f *fixture) sessionCases() []errCase {
	auth := func(p sessions.AuthenticateParams) func() error {
		return func() error {
			_, err := f.c.Sessions.Authenticate(f.ctx, &p)
			return err
		}
	}
	revoke := func(p sessions.RevokeParams) func() error {
		return func() error {
			_, err := f.c.Sessions.Revoke(f.ctx, &p)
			return err
		}
	}
	return []errCase{
		{"unknown session", auth(sessions.AuthenticateParams{SessionToken: "mZAYn5aLEqKUlZ_Ad9U_fWr38GaAQ1oFAhT8ds245v7Q"}), 404, "session_not_found"},
		{"token and JWT", auth(sessions.AuthenticateParams{SessionToken: f.bob.SessionToken, SessionJWT: f.bob.SessionJWT}), 400, "too_many_session_arguments"},
		{"neither token nor JWT", auth(sessions.AuthenticateParams{}), 400, "no_session_arguments"},
		{"garbage JWT", auth(sessions.AuthenticateParams{SessionJWT: "a.b.c"}), 401, "unable_to_parse_session_jwt"},
		{"bad extension", auth(sessions.AuthenticateParams{SessionToken: f.bob.SessionToken, SessionDurationMinutes: 527041}), 400, "invalid_session_duration_minutes"},
		{"revoke nothing", revoke(sessions.RevokeParams{}), 400, "no_session_revoke_arguments"},
		{"revoke two things", revoke(sessions.RevokeParams{SessionToken: "a", MemberID: "b"}), 400, "too_many_session_revoke_arguments"},
		{"exchange into an org without membership", func() error {
			_, err := f.c.Sessions.Exchange(f.ctx, &sessions.ExchangeParams{SessionToken: f.bob.SessionToken, OrganizationID: "other"})
			return err
		}, 404, "member_not_found"},
		{"sessions of an unknown member", func() error {
			_, err := f.c.Sessions.Get(f.ctx, &sessions.GetParams{OrganizationID: f.orgID, MemberID: "member-test-nope"})
			return err
		}, 404, "member_not_found"},
	}
}

func (f *fixture) memberCases() []errCase {
	search := func(q *organizations.SearchQuery, ids ...string) func() error {
		return func() error {
			_, err := f.c.Organizations.Members.Search(f.ctx, &members.SearchParams{OrganizationIds: ids, Query: q})
			return err
		}
	}
	q := func(name string, v any) *organizations.SearchQuery {
		return &organizations.SearchQuery{Operator: organizations.SearchQueryOperatorAND, Operands: []map[string]any{{"filter_name": name, "filter_value": v}}}
	}
	return []errCase{
		{"unknown organization", func() error {
			_, err := f.c.Organizations.Get(f.ctx, &organizations.GetParams{OrganizationID: "no-such-org"})
			return err
		}, 404, "organization_not_found"},
		{"unknown member", func() error {
			_, err := f.c.Organizations.Members.Get(f.ctx, &members.GetParams{OrganizationID: "errs", EmailAddress: "nobody@errs.example"})
			return err
		}, 404, "member_not_found"},
		{"member search without organizations", search(nil), 400, "member_search_organization_ids_empty"},
		{"unknown member filter", search(q("member_shoe_size", []string{"9"}), f.orgID), 400, "member_search_filter_name_not_recognized"},
		{"member filter type", search(q("member_is_breakglass", "no"), f.orgID), 400, "member_search_expected_boolean"},
		{"member status filter", search(q("statuses", []string{"retired"}), f.orgID), 400, "search_invalid_status_filter"},
		{"unknown organization filter", func() error {
			_, err := f.c.Organizations.Search(f.ctx, &organizations.SearchParams{Query: q("organization_color", "red")})
			return err
		}, 400, "organization_search_filter_name_not_recognized"},
		{"fuzzy filter too short", func() error {
			_, err := f.c.Organizations.Search(f.ctx, &organizations.SearchParams{Query: q("organization_name_fuzzy", "er")})
			return err
		}, 400, "organization_search_organization_name_fuzzy_too_short"},
		{"duplicate member", func() error {
			_, err := f.c.Organizations.Members.Create(f.ctx, &members.CreateParams{OrganizationID: f.orgID, EmailAddress: "BOB@errs.example"})
			return err
		}, 400, "duplicate_member_email"},
		{"login_or_signup without JIT", func() error {
			_, err := f.c.MagicLinks.Email.LoginOrSignup(f.ctx, &email.LoginOrSignupParams{OrganizationID: "other", EmailAddress: "new@other.example"})
			return err
		}, 403, "email_jit_provisioning_not_allowed"},
	}
}
