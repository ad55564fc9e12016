package emulator

import (
	"context"
	"database/sql"
	"net/http"
)

// applyMFAPhone sets mfa_phone_number (unverified) when the member has none; the same number
// is a no-op and another one is refused (delete the old number first, as with Stytch).
func applyMFAPhone(ctx context.Context, q querier, m *storedMember, phone string) error {
	switch {
	case phone == "" || phone == m.MFAPhoneNumber:
		return nil
	case !e164Re.MatchString(phone):
		return errInvalidPhone
	case m.MFAPhoneNumber != "":
		return newAPIError(400, "duplicate_member_phone_number_for_member",
			"The member already has a different MFA phone number; delete it before setting another.")
	}
	if err := checkPhoneFree(ctx, q, m.OrganizationID, m.MemberID, phone); err != nil {
		return err
	}
	m.MFAPhoneNumber, m.MFAPhoneNumberVerified = phone, false
	return nil
}

// applyDefaultMFAMethod sets default_mfa_method to a method the member has.
func applyDefaultMFAMethod(m *storedMember, method string) error {
	switch method {
	case "":
		return nil
	case methodSMS, methodTOTP:
	default:
		return newAPIError(400, "invalid_mfa_default_method", "default_mfa_method must be sms_otp or totp.")
	}
	if (method == methodSMS && m.MFAPhoneNumber == "") || (method == methodTOTP && m.TOTPRegistrationID == "") {
		return newAPIError(400, "default_mfa_member_missing_factor", "The member has no "+method+" factor to make the default.")
	}
	m.DefaultMFAMethod = method
	return nil
}

// DELETE /v1/b2b/organizations/{organization_id}/members/{member_id}/totp and
// DELETE /v1/b2b/organizations/{organization_id}/members/mfa_phone_numbers/{member_id}.
// Existing sessions keep their factors; MFA applies again at the next sign-in.
func (e *Emulator) memberFactorDelete(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	first, second := r.PathValue("first"), r.PathValue("second")
	var memberID string
	switch {
	case first == "mfa_phone_numbers":
		memberID = second
	case second == "totp":
		memberID = first
	default:
		return nil, errRouteNotFound
	}
	o, m, err := loadOrgMember(ctx, tx, r.PathValue("organization_id"), memberID)
	if err != nil {
		return nil, err
	}
	caller, err := e.caller(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	action := "update.info.delete.mfa-phone"
	if second == "totp" {
		action = "update.info.delete.mfa-totp"
	}
	if err := e.authorizeOnMember(caller, o, m.MemberID, action); err != nil {
		return nil, err
	}
	if second == "totp" {
		err = deleteMemberTOTP(ctx, tx, m)
	} else {
		err = deleteMemberPhone(ctx, tx, m)
	}
	if err != nil {
		return nil, err
	}
	now := e.now()
	m.UpdatedAt = ts(now)
	if err := saveMember(ctx, tx, m, now); err != nil {
		return nil, err
	}
	return map[string]any{"member_id": m.MemberID, "member": m.member, "organization": o}, nil
}

// deleteMemberTOTP removes the member's registrations (and so its recovery codes).
func deleteMemberTOTP(ctx context.Context, tx *sql.Tx, m *storedMember) error {
	reg, err := memberTOTP(ctx, tx, m.MemberID)
	if err != nil {
		return err
	}
	if reg == nil {
		return newAPIError(404, "totp_not_found", "The member has no TOTP registration.")
	}
	if err := deleteTOTPs(ctx, tx, m.MemberID, "active", "pending"); err != nil {
		return err
	}
	m.TOTPRegistrationID = ""
	if m.DefaultMFAMethod == methodTOTP {
		m.DefaultMFAMethod = ""
		if m.MFAPhoneNumber != "" {
			m.DefaultMFAMethod = methodSMS
		}
	}
	return nil
}

// deleteMemberPhone removes the member's MFA phone number and any live code sent to it.
func deleteMemberPhone(ctx context.Context, tx *sql.Tx, m *storedMember) error {
	if m.MFAPhoneNumber == "" {
		return newAPIError(404, "member_phone_number_not_found", "The member has no MFA phone number.")
	}
	if err := deleteSMSCode(ctx, tx, m.MemberID); err != nil {
		return err
	}
	m.MFAPhoneNumber, m.MFAPhoneNumberVerified = "", false
	if m.DefaultMFAMethod == methodSMS {
		m.DefaultMFAMethod = ""
		if m.TOTPRegistrationID != "" {
			m.DefaultMFAMethod = methodTOTP
		}
	}
	return nil
}
