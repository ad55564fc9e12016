package emulator

import "slices"

// mfaRequired: the organization requires MFA of everyone, or the member enrolled.
func mfaRequired(o *organization, m *storedMember) bool {
	return o.MFAPolicy == mfaPolicyRequired || m.MFAEnrolled
}

// methodAllowed applies mfa_methods / allowed_mfa_methods; break-glass members are exempt.
func methodAllowed(o *organization, m *storedMember, method string) bool {
	return o.MFAMethods != "RESTRICTED" || m.IsBreakglass || slices.Contains(o.AllowedMFAMethods, method)
}

// mfaSatisfied: factors hold an MFA factor of a method the organization allows.
func mfaSatisfied(o *organization, m *storedMember, factors []authFactor) bool {
	for _, f := range factors {
		if method := factorMethod(f); method != "" && methodAllowed(o, m, method) {
			return true
		}
	}
	return false
}

var errMFAMethodRestricted = newAPIError(400, "operation_restricted_by_organization_mfa_methods",
	"This MFA method is not allowed by the organization's mfa_methods / allowed_mfa_methods settings.")

// requireMethod answers operation_restricted_by_organization_mfa_methods when o does not allow
// method for m.
func requireMethod(o *organization, m *storedMember, method string) error {
	if !methodAllowed(o, m, method) {
		return errMFAMethodRestricted
	}
	return nil
}

// applyMFASettings validates and applies mfa_policy and allowed_mfa_methods (mfa_methods is
// checked with the other enums), then checks the combination.
func (s *orgSettings) applyMFASettings(o *organization) error {
	if s.MFAPolicy != "" && s.MFAPolicy != mfaPolicyOptional && s.MFAPolicy != mfaPolicyRequired {
		return newAPIError(400, "invalid_organization_mfa_policy", "mfa_policy must be OPTIONAL or REQUIRED_FOR_ALL.")
	}
	if s.AllowedMFAMethods != nil {
		methods := []string{}
		for _, v := range s.AllowedMFAMethods {
			if v != methodSMS && v != methodTOTP {
				return newAPIError(400, "invalid_organization_allowed_mfa_methods", "allowed_mfa_methods may only contain sms_otp and totp.")
			}
			if !slices.Contains(methods, v) {
				methods = append(methods, v)
			}
		}
		o.AllowedMFAMethods = methods
	}
	return nil
}

// checkMFASettings runs once the settings are merged into o.
func checkMFASettings(o *organization) error {
	if o.MFAMethods == "RESTRICTED" && len(o.AllowedMFAMethods) == 0 {
		return newAPIError(400, "allowed_mfa_methods_required_for_restricted",
			"allowed_mfa_methods must list at least one method when mfa_methods is RESTRICTED.")
	}
	return nil
}
