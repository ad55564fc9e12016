package stytchb2b

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
)

// Sentinels for what Stytch answered; mapErr wraps each around the Stytch error, for the logs.
var (
	ErrLinkExpired    = errors.New("magic link expired or already used")
	ErrLinkNotFound   = errors.New("magic link not found")
	ErrChoiceExpired  = errors.New("intermediate session expired")
	ErrSessionEnded   = errors.New("session not found, expired or revoked")
	ErrOrgNotFound    = errors.New("organization not found")
	ErrNotEligible    = errors.New("not allowed into that organization")
	ErrSlugTaken      = errors.New("organization slug already used")
	ErrSlugInvalid    = errors.New("organization slug invalid")
	ErrNameInvalid    = errors.New("organization name invalid")
	ErrEmailInvalid   = errors.New("email address rejected")
	ErrRateLimited    = errors.New("rate limited")
	ErrStytchDown     = errors.New("stytch unreachable or failing")
	ErrMFARequired    = errors.New("organization requires another factor")
	ErrStytchRejected = errors.New("stytch rejected the request")
)

// Errors of the organization admin calls.
var (
	ErrMemberNotFound   = errors.New("member not found in this organization")
	ErrMemberActive     = errors.New("member already active")
	ErrInvitesOff       = errors.New("organization does not allow email invites")
	ErrInviteDomain     = errors.New("email domain not allowed for invites")
	ErrDomainTooCommon  = errors.New("allowed domain is a common consumer domain")
	ErrDomainInvalid    = errors.New("allowed domain is malformed")
	ErrSettingsConflict = errors.New("organization settings combination refused")
	ErrForbidden        = errors.New("the member's role does not allow this")
	ErrCannotRestore    = errors.New("member never verified an email address: cannot be reactivated")
)

// Errors of one-time codes (emailed, texted, authenticator, recovery) and OAuth.
var (
	ErrCodeWrong         = errors.New("wrong or malformed one-time code")
	ErrCodeUsed          = errors.New("authenticator code already used")
	ErrCodeExpired       = errors.New("one-time code expired, used or refused after too many tries")
	ErrRecoveryCodeWrong = errors.New("wrong or used recovery code")
	ErrTOTPSetupExpired  = errors.New("authenticator registration expired before its first code")
	ErrTOTPExists        = errors.New("member already has an authenticator app")
	ErrNoTOTP            = errors.New("member has no authenticator app")
	ErrNoPhone           = errors.New("member has no MFA phone number")
	ErrPhoneInvalid      = errors.New("phone number refused")
	ErrPhoneTaken        = errors.New("phone number used by another member")
	ErrPhoneMismatch     = errors.New("member has another phone number")
	ErrMethodNotAllowed  = errors.New("MFA method not allowed by the organization")
	ErrNeedsMFASession   = errors.New("adding a factor needs a session that passed MFA")
	ErrMFASettings       = errors.New("MFA settings refused")
	ErrOAuthExpired      = errors.New("oauth token not found, expired or already used")
	ErrOAuthDevice       = errors.New("oauth flow finished in another browser (pkce)")
	ErrOAuthOtherAccount = errors.New("oauth account is not the member the intermediate session is for")
)

// mapErr turns an SDK error into one of the app's sentinels, keeping the original for the logs.
// It is the one place that knows Stytch's error types.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var se stytcherror.Error
	if !errors.As(err, &se) {
		var ne net.Error
		// Transport failures (*url.Error is a net.Error) and, from a proxy in front of Stytch,
		// error bodies that aren't Stytch's JSON: the SDK wraps no type for the latter.
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) || strings.Contains(err.Error(), "error decoding http request") {
			return fmt.Errorf("%s: %w: %w", op, ErrStytchDown, err)
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	kind := errorTypes[string(se.ErrorType)]
	if kind == nil {
		kind = ssoErrorTypes[string(se.ErrorType)]
	}
	if kind == nil {
		switch {
		case se.StatusCode == 429:
			kind = ErrRateLimited
		case se.StatusCode >= 500:
			kind = ErrStytchDown
		default:
			kind = ErrStytchRejected
		}
	}
	return fmt.Errorf("%s: %w: %w", op, kind, se)
}

// errorTypes maps Stytch's error types to the sentinels (types not listed map by status:
// 429 rate limited, 5xx down, else rejected). A new Stytch error is a sentinel above and its
// types here.
var errorTypes = map[string]error{
	"unable_to_auth_magic_link":                           ErrLinkExpired,
	"magic_link_not_found":                                ErrLinkNotFound,
	"intermediate_session_not_found":                      ErrChoiceExpired,
	"session_not_found":                                   ErrSessionEnded,
	"organization_not_found":                              ErrOrgNotFound,
	"organization_slug_already_used":                      ErrSlugTaken,
	"invalid_organization_slug":                           ErrSlugInvalid,
	"invalid_organization_name":                           ErrNameInvalid,
	"organization_name_includes_banned_words":             ErrNameInvalid,
	"invalid_email":                                       ErrEmailInvalid,
	"inactive_email":                                      ErrEmailInvalid,
	"too_many_requests":                                   ErrRateLimited,
	"invalid_intermediate_session_token_for_organization": ErrNotEligible,
	"email_jit_provisioning_not_allowed":                  ErrNotEligible,
	"invalid_email_for_jit_provisioning":                  ErrNotEligible,
	"insufficient_factors_for_session_exchange":           ErrNotEligible,
	// exchanging into an org without a membership, or an admin call on a removed member
	"member_not_found":                         fmt.Errorf("%w (%w)", ErrNotEligible, ErrMemberNotFound),
	"session_authorization_error":              ErrForbidden,
	"session_authorization_tenancy_error":      ErrForbidden,
	"oauth_token_not_found":                    ErrOAuthExpired,
	"pkce_mismatch":                            ErrOAuthDevice,
	"pkce_expected_code_verifier":              ErrOAuthDevice,
	"pkce_did_not_expect_code_verifier":        ErrOAuthDevice,
	"intermediate_session_token_mismatch":      ErrOAuthOtherAccount, // the provider's account isn't the step's email
	"member_already_active":                    ErrMemberActive,
	"member_email_not_verified":                ErrCannotRestore,
	"email_invites_not_allowed":                ErrInvitesOff,
	"invalid_email_for_invites":                ErrInviteDomain,
	"organization_settings_domain_too_common":  ErrDomainTooCommon,
	"organization_settings_invalid_domain":     ErrDomainInvalid,
	"invalid_email_allowed_domains":            ErrDomainInvalid,
	"invalid_organization_auth_factor_setting": ErrSettingsConflict,

	// One-time codes and MFA.
	"unable_to_authenticate_totp":                       ErrCodeWrong,
	"otp_code_not_found":                                ErrCodeWrong,
	"invalid_code":                                      ErrCodeWrong,
	"recovery_code_used_as_totp_code":                   ErrCodeWrong,
	"totp_code_already_authenticated":                   ErrCodeUsed,
	"unable_to_auth_otp_code":                           ErrCodeExpired,
	"unable_to_authenticate_recovery_code":              ErrRecoveryCodeWrong,
	"invalid_recovery_code":                             ErrRecoveryCodeWrong,
	"totp_code_used_as_recovery_code":                   ErrRecoveryCodeWrong,
	"expired_totp":                                      ErrTOTPSetupExpired,
	"active_totp_exists":                                ErrTOTPExists,
	"totp_not_found":                                    ErrNoTOTP,
	"no_active_recovery_code_backed_factor":             ErrNoTOTP,
	"recovery_codes_not_found":                          ErrNoTOTP,
	"invalid_phone_number":                              ErrPhoneInvalid,
	"invalid_phone_number_country_code":                 ErrPhoneInvalid,
	"unsubscribed_phone_number":                         ErrPhoneInvalid,
	"member_phone_number_not_found":                     ErrNoPhone,
	"duplicate_member_phone_number":                     ErrPhoneTaken,
	"duplicate_member_phone_number_for_member":          ErrPhoneMismatch,
	"operation_restricted_by_organization_mfa_methods":  ErrMethodNotAllowed,
	"session_enforced_factor_matching_session_required": ErrNeedsMFASession,
	"invalid_organization_mfa_policy":                   ErrMFASettings,
	"invalid_organization_allowed_mfa_methods":          ErrMFASettings,
	"allowed_mfa_methods_required_for_restricted":       ErrMFASettings,
}
