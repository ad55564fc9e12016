package emulator

import (
	"errors"
	"fmt"
	"net/http"
)

// apiError is a Stytch error response.
type apiError struct {
	Status  int
	Type    string
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Message) }

func newAPIError(status int, typ, msg string) *apiError {
	return &apiError{Status: status, Type: typ, Message: msg}
}

var (
	errAuthHeader = newAPIError(400, "invalid_authorization_header",
		"The Authorization header is missing or malformed. Use HTTP Basic auth with your project ID and secret.")
	errUnauthorized = newAPIError(401, "unauthorized_credentials",
		"Unauthorized credentials. Check your project ID and secret.")
	errBadJSON     = newAPIError(400, "invalid_request", "The request body is not valid JSON.")
	errRateLimited = newAPIError(429, "too_many_requests", "Too many requests have been made.")

	errMagicLinkNotFound = newAPIError(404, "magic_link_not_found",
		"The magic link could not be authenticated, try sending another magic link to the user.")
	errMagicLinkUsed = newAPIError(401, "unable_to_auth_magic_link",
		"The magic link could not be authenticated because it was either already used or expired. Send another magic link to this user.")
	errISTNotFound     = newAPIError(404, "intermediate_session_not_found", "Intermediate session could not be found.")
	errSessionNotFound = newAPIError(404, "session_not_found", "Session could not be found.")
	errOrgNotFound     = newAPIError(404, "organization_not_found", "Organization could not be found.")
	errMemberNotFound  = newAPIError(404, "member_not_found", "Member could not be found.")
	errSlugUsed        = newAPIError(400, "organization_slug_already_used",
		"The provided organization_slug is already used in another organization.")
	errSlugInvalid = newAPIError(400, "invalid_organization_slug",
		"The organization_slug must be at least 2 characters long and may only contain alphanumerics and the reserved characters '-', '.', '_', or '~'. At least one character must be alphanumeric.")
	errNameInvalid = newAPIError(400, "invalid_organization_name",
		"The organization_name must be between 1 and 128 characters long.")
	errDuration = newAPIError(400, "invalid_session_duration_minutes",
		"session_duration_minutes must be between 5 and 527040.")
	errInvalidEmail = newAPIError(400, "invalid_email", "Email format is invalid.")
	errNotEligible  = newAPIError(403, "email_jit_provisioning_not_allowed",
		"This email address may not join the organization: it has no membership and the organization does not allow JIT provisioning for its domain.")
	errAuthz = newAPIError(403, "session_authorization_error",
		"The Member is not authorized to perform the requested action on that resource.")
	errTenancy = newAPIError(403, "session_authorization_tenancy_error",
		"The Member's session does not belong to the organization of the requested resource.")
	errDomainTooCommon = newAPIError(400, "organization_settings_domain_too_common",
		"email_allowed_domains may not contain common email domains such as gmail.com.")
	errDomainInvalid = newAPIError(400, "organization_settings_invalid_domain",
		"email_allowed_domains contains an invalid domain.")
)

func errorURL(status int, typ string) string {
	return fmt.Sprintf("https://stytch.com/docs/api/errors/%d#%s", status, typ)
}

func (e *Emulator) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		e.log.Error("emulator internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = newAPIError(500, "internal_server_error", "Oops, something seems to have gone wrong.")
	} else {
		e.log.Debug("emulator request failed", "method", r.Method, "path", r.URL.Path,
			"status", ae.Status, "error_type", ae.Type)
	}
	writeJSON(w, ae.Status, map[string]any{
		"status_code":   ae.Status,
		"request_id":    newRequestID(),
		"error_type":    ae.Type,
		"error_message": ae.Message,
		"error_url":     errorURL(ae.Status, ae.Type),
	})
}
