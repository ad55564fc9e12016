package emulator

import (
	"cmp"
	"context"
	"database/sql"
	"net/http"
	"regexp"
)

// setProfile applies the optional name and metadata of an invite, member create or member
// update: an empty name or a nil map leaves the field unchanged.
func (m *storedMember) setProfile(name string, trusted, untrusted map[string]any) {
	if name != "" {
		m.Name = name
	}
	if trusted != nil {
		m.TrustedMetadata = trusted
	}
	if untrusted != nil {
		m.UntrustedMetadata = untrusted
	}
}

// Backend member create and update (Organizations.Members.Create / Update).

var (
	errDuplicateMemberEmail = newAPIError(400, "duplicate_member_email",
		"A member with this email address already exists in the organization.")
	errPhone = newAPIError(400, "invalid_phone_number",
		"The phone number is invalid. Ensure the phone number is in the E.164 format.")
	errOwnEmail = newAPIError(403, "member_cannot_update_their_email_address",
		"Members cannot update their own email address.")
)

var e164Re = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// POST /v1/b2b/organizations/{organization_id}/members (201 Created)
func (e *Emulator) memberCreate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req struct {
		EmailAddress      string         `json:"email_address"`
		Name              string         `json:"name"`
		TrustedMetadata   map[string]any `json:"trusted_metadata"`
		UntrustedMetadata map[string]any `json:"untrusted_metadata"`
		Pending           bool           `json:"create_member_as_pending"`
		IsBreakglass      bool           `json:"is_breakglass"`
		MFAPhoneNumber    string         `json:"mfa_phone_number"`
		MFAEnrolled       bool           `json:"mfa_enrolled"`
		Roles             []string       `json:"roles"`
	}
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	o, caller, err := e.orgAndCaller(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	if err := e.authorize(caller, o, resMember, "create"); err != nil {
		return nil, err
	}
	if caller != nil && req.TrustedMetadata != nil {
		return nil, errTrustedMetadata
	}
	email, err := normalizeEmail(req.EmailAddress)
	if err != nil {
		return nil, err
	}
	if err := e.checkRoles(o, req.Roles); err != nil {
		return nil, err
	}
	if req.MFAPhoneNumber != "" && !e164Re.MatchString(req.MFAPhoneNumber) {
		return nil, errPhone
	}
	if m, err := memberByEmail(ctx, tx, o.OrganizationID, email); err != nil || m != nil {
		return nil, cmp.Or(err, error(errDuplicateMemberEmail))
	}
	status, now := "active", e.now()
	if req.Pending {
		status = "pending"
	}
	m := newMember(o.OrganizationID, email, status, false, req.Roles, now)
	m.setProfile(req.Name, req.TrustedMetadata, req.UntrustedMetadata)
	m.IsBreakglass, m.MFAPhoneNumber, m.MFAEnrolled = req.IsBreakglass, req.MFAPhoneNumber, req.MFAEnrolled
	if err := saveMember(ctx, tx, m, now); err != nil {
		return nil, err
	}
	return map[string]any{"status_code": http.StatusCreated, "member_id": m.MemberID, "member": m.member, "organization": o}, nil
}

// orgAndCaller loads the path's organization and the optional member-session caller.
func (e *Emulator) orgAndCaller(ctx context.Context, tx *sql.Tx, r *http.Request) (*organization, *callerSession, error) {
	o, err := getOrg(ctx, tx, r.PathValue("organization_id"))
	if err != nil {
		return nil, nil, err
	}
	caller, err := e.caller(ctx, tx, r)
	return o, caller, err
}

// memberUpdate is the body of a member update. Pointers and nil maps are "absent".
type memberUpdate struct {
	Name              *string        `json:"name"`
	TrustedMetadata   map[string]any `json:"trusted_metadata"`
	UntrustedMetadata map[string]any `json:"untrusted_metadata"`
	IsBreakglass      *bool          `json:"is_breakglass"`
	MFAPhoneNumber    *string        `json:"mfa_phone_number"`
	MFAEnrolled       *bool          `json:"mfa_enrolled"`
	Roles             *[]string      `json:"roles"`
	DefaultMFAMethod  *string        `json:"default_mfa_method"`
	EmailAddress      *string        `json:"email_address"`
}

// authorizeMemberUpdate checks each field's action: on stytch.self for one's own member where
// Stytch allows it (name, untrusted metadata, MFA phone and settings), else on stytch.member.
func (e *Emulator) authorizeMemberUpdate(c *callerSession, o *organization, memberID string, u *memberUpdate) error {
	if c == nil {
		return nil
	}
	if u.TrustedMetadata != nil {
		return errTrustedMetadata
	}
	if u.EmailAddress != nil && c.member.MemberID == memberID {
		return errOwnEmail
	}
	checks := []struct {
		set      bool
		action   string
		selfOnly bool // may be done on one's own member through stytch.self
	}{
		{u.Name != nil, "update.info.name", true},
		{u.UntrustedMetadata != nil, "update.info.untrusted-metadata", true},
		{u.MFAPhoneNumber != nil, "update.info.mfa-phone", true},
		{u.MFAEnrolled != nil, "update.settings.mfa-enrolled", true},
		{u.DefaultMFAMethod != nil, "update.settings.default-mfa-method", true},
		{u.IsBreakglass != nil, "update.settings.is-breakglass", false},
		{u.Roles != nil, "update.settings.roles", false},
		{u.EmailAddress != nil, "update.info.email", false},
	}
	for _, ch := range checks {
		if !ch.set {
			continue
		}
		err := e.authorize(c, o, resMember, ch.action)
		if ch.selfOnly {
			err = e.authorizeOnMember(c, o, memberID, ch.action)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// PUT /v1/b2b/organizations/{organization_id}/members/{member_id}
func (e *Emulator) memberUpdateHandler(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var u memberUpdate
	if err := decode(r, &u); err != nil {
		return nil, err
	}
	o, caller, err := e.orgAndCaller(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	if err := e.authorizeMemberUpdate(caller, o, r.PathValue("member_id"), &u); err != nil {
		return nil, err
	}
	m, err := getMember(ctx, tx, r.PathValue("member_id"))
	if err != nil {
		return nil, err
	}
	if m.OrganizationID != o.OrganizationID || m.Status == "deleted" {
		return nil, errMemberNotFound
	}
	if err := e.applyMemberUpdate(ctx, tx, o, m, &u); err != nil {
		return nil, err
	}
	now := e.now()
	m.UpdatedAt = ts(now)
	if err := saveMember(ctx, tx, m, now); err != nil {
		return nil, err
	}
	return map[string]any{"member_id": m.MemberID, "member": m.member, "organization": o}, nil
}

// applyMemberUpdate validates u and writes it into m. roles replaces the explicitly assigned
// roles ([] keeps only stytch_member); a new email address is unverified and the old one
// retired.
func (e *Emulator) applyMemberUpdate(ctx context.Context, q querier, o *organization, m *storedMember, u *memberUpdate) error {
	if u.Roles != nil {
		if err := e.checkRoles(o, *u.Roles); err != nil {
			return err
		}
		m.setRoles(*u.Roles)
	}
	if p := u.MFAPhoneNumber; p != nil {
		if err := applyMFAPhone(ctx, q, m, *p); err != nil {
			return err
		}
	}
	if d := u.DefaultMFAMethod; d != nil {
		if err := applyDefaultMFAMethod(m, *d); err != nil {
			return err
		}
	}
	if u.EmailAddress != nil {
		if err := changeEmail(ctx, q, m, *u.EmailAddress); err != nil {
			return err
		}
	}
	name := ""
	if u.Name != nil {
		name = *u.Name
	}
	m.setProfile(name, u.TrustedMetadata, u.UntrustedMetadata)
	if u.IsBreakglass != nil {
		m.IsBreakglass = *u.IsBreakglass
	}
	if u.MFAEnrolled != nil {
		m.MFAEnrolled = *u.MFAEnrolled
	}
	return nil
}

// changeEmail moves m to a new address (unique in its organization), retiring the old one.
func changeEmail(ctx context.Context, q querier, m *storedMember, raw string) error {
	email, err := normalizeEmail(raw)
	if err != nil || email == m.EmailAddress {
		return err
	}
	other, err := memberByEmail(ctx, q, m.OrganizationID, email)
	if err != nil || other != nil {
		return cmp.Or(err, error(errDuplicateMemberEmail))
	}
	m.RetiredEmailAddresses = append(m.RetiredEmailAddresses, map[string]any{"email_id": m.EmailID, "email_address": m.EmailAddress})
	m.EmailID, m.EmailAddress, m.EmailAddressVerified = "email-test-"+newUUID(), email, false
	return nil
}
