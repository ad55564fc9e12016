package emulator

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
)

// memberUpdateRequest is the body of PUT /v1/b2b/organizations/{organization_id}/members/{member_id}.
// Pointers tell "absent" from a value; the v16 SDK never sends false for is_breakglass or
// mfa_enrolled (omitempty), but a raw false is honoured.
type memberUpdateRequest struct {
	Name              *string        `json:"name"`
	TrustedMetadata   map[string]any `json:"trusted_metadata"`
	UntrustedMetadata map[string]any `json:"untrusted_metadata"`
	IsBreakglass      *bool          `json:"is_breakglass"`
	MFAPhoneNumber    string         `json:"mfa_phone_number"`
	MFAEnrolled       *bool          `json:"mfa_enrolled"`
	Roles             *[]string      `json:"roles"`
	DefaultMFAMethod  string         `json:"default_mfa_method"`
}

// PUT /v1/b2b/organizations/{organization_id}/members/{member_id}
func (e *Emulator) memberUpdate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req memberUpdateRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	o, m, err := loadOrgMember(ctx, tx, r.PathValue("organization_id"), r.PathValue("member_id"))
	if err != nil {
		return nil, err
	}
	caller, err := e.caller(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	if err := req.authorize(caller, m); err != nil {
		return nil, err
	}
	now := e.now()
	if err := req.applyTo(ctx, tx, m); err != nil {
		return nil, err
	}
	m.UpdatedAt = ts(now)
	if err := saveMember(ctx, tx, m, now); err != nil {
		return nil, err
	}
	return map[string]any{"member_id": m.MemberID, "member": m.member, "organization": o}, nil
}

// authorize applies the member-session headers: an admin of the organization may change
// anything but trusted_metadata; a member may change its own name, untrusted metadata, MFA
// phone, MFA enrolment and default MFA method (stytch.self), not roles or break-glass.
func (req *memberUpdateRequest) authorize(c *callerSession, m *storedMember) error {
	if err := c.mayActOn(m.OrganizationID, m.MemberID); err != nil {
		return err
	}
	if c == nil {
		return nil
	}
	if req.TrustedMetadata != nil {
		return errAuthz
	}
	if !c.member.IsAdmin && (req.IsBreakglass != nil || req.Roles != nil) {
		return errAuthz
	}
	return nil
}

// applyTo validates the request and writes it into m (not saved).
func (req *memberUpdateRequest) applyTo(ctx context.Context, q querier, m *storedMember) error {
	if req.Roles != nil {
		for _, role := range *req.Roles {
			if role != roleAdmin && role != roleMember {
				return newAPIError(400, "invalid_role", "Unknown role "+role+": the emulator knows stytch_member and stytch_admin.")
			}
		}
	}
	if err := req.applyPhone(ctx, q, m); err != nil {
		return err
	}
	if err := req.applyDefaultMethod(m); err != nil {
		return err
	}
	if req.Name != nil {
		m.Name = *req.Name
	}
	if req.TrustedMetadata != nil {
		m.TrustedMetadata = req.TrustedMetadata
	}
	if req.UntrustedMetadata != nil {
		m.UntrustedMetadata = req.UntrustedMetadata
	}
	if req.IsBreakglass != nil {
		m.IsBreakglass = *req.IsBreakglass
	}
	if req.MFAEnrolled != nil {
		m.MFAEnrolled = *req.MFAEnrolled
	}
	if req.Roles != nil {
		m.setRoles(*req.Roles)
	}
	return nil
}

// applyPhone sets mfa_phone_number (unverified) when the member has none; the same number is
// a no-op and another one is refused (delete the old number first, as with Stytch).
func (req *memberUpdateRequest) applyPhone(ctx context.Context, q querier, m *storedMember) error {
	phone := req.MFAPhoneNumber
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

// applyDefaultMethod sets default_mfa_method to a method the member has.
func (req *memberUpdateRequest) applyDefaultMethod(m *storedMember) error {
	switch req.DefaultMFAMethod {
	case "":
		return nil
	case methodSMS, methodTOTP:
	default:
		return newAPIError(400, "invalid_mfa_default_method", "default_mfa_method must be sms_otp or totp.")
	}
	if (req.DefaultMFAMethod == methodSMS && m.MFAPhoneNumber == "") ||
		(req.DefaultMFAMethod == methodTOTP && m.TOTPRegistrationID == "") {
		return newAPIError(400, "default_mfa_member_missing_factor", "The member has no "+req.DefaultMFAMethod+" factor to make the default.")
	}
	m.DefaultMFAMethod = req.DefaultMFAMethod
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
		return nil, errNotFoundRoute
	}
	o, m, err := loadOrgMember(ctx, tx, r.PathValue("organization_id"), memberID)
	if err != nil {
		return nil, err
	}
	caller, err := e.caller(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	if err := caller.mayActOn(o.OrganizationID, m.MemberID); err != nil {
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
	if _, err := tx.ExecContext(ctx, `DELETE FROM sms_otps WHERE member_id = ?`, m.MemberID); err != nil {
		return fmt.Errorf("delete sms code: %w", err)
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
