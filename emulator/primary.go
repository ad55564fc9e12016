package emulator

import (
	"context"
	"slices"
	"time"
)

// Restricted primary authentication (auth_methods = RESTRICTED): an organization then accepts
// only the primary factors its allowed_auth_methods name. A call whose factors don't qualify
// gets Stytch's primary_required step instead of a session (finishPrimary), and discovered
// organizations say so.

// primaryMethod is the allowed_auth_methods value a factor proves ("" for MFA factors, which
// never satisfy the primary policy).
func primaryMethod(f authFactor) string {
	switch {
	case f.Type == "magic_link":
		return "magic_link"
	case f.Type == "email_otp":
		return "email_otp"
	case f.Type == "oauth" && f.DeliveryMethod == "oauth_google":
		return "google_oauth"
	case f.Type == "oauth" && f.DeliveryMethod == "oauth_microsoft":
		return "microsoft_oauth"
	case f.Type == "sso":
		return "sso"
	}
	return ""
}

// primarySatisfied: the organization accepts every primary method, or factors hold one it
// allows. Break-glass members are exempt, as they are from the MFA method restriction.
func primarySatisfied(o *organization, m *storedMember, factors []authFactor) bool {
	if o.AuthMethods != "RESTRICTED" || (m != nil && m.IsBreakglass) {
		return true
	}
	for _, f := range factors {
		if method := primaryMethod(f); method != "" && slices.Contains(o.AllowedAuthMethods, method) {
			return true
		}
	}
	return false
}

// primaryRequired is the primary_required object: the methods the organization accepts.
func primaryRequired(o *organization) map[string]any {
	allowed := slices.Clone(o.AllowedAuthMethods)
	if allowed == nil {
		allowed = []string{}
	}
	return map[string]any{"allowed_auth_methods": allowed}
}

// discoveredStep is member_authenticated, primary_required and mfa_required of a discovered
// organization for an email whose proof so far is factors (m is nil when the email may join by
// domain). The primary step comes first: while it is pending, mfa_required is null.
func discoveredStep(o *organization, m *storedMember, factors []authFactor) (bool, any, any) {
	if !primarySatisfied(o, m, factors) {
		return false, primaryRequired(o), nil
	}
	authenticated, mfa := discoveredMFA(o, m)
	return authenticated, nil, mfa
}

// istOwnFactors are the factors an IST proves, tied to its own email (for discovered
// organizations, where no member has been picked yet).
func istOwnFactors(ctx context.Context, q querier, ist *intermediateSession, now time.Time) ([]authFactor, error) {
	owner := &storedMember{EmailID: ist.EmailID}
	owner.EmailAddress = ist.Email
	return istFactors(ctx, q, ist, owner, now)
}
