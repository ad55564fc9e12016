package emulator

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
)

// GET /v1/b2b/organizations/{organization_id}/member?member_id=…|email_address=…
func (e *Emulator) memberGet(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	o, err := getOrg(ctx, tx, r.PathValue("organization_id"))
	if err != nil {
		return nil, err
	}
	id, email := r.URL.Query().Get("member_id"), r.URL.Query().Get("email_address")
	var m *storedMember
	switch {
	case id != "":
		m, err = getMember(ctx, tx, id)
		if err == nil && (m.OrganizationID != o.OrganizationID || m.Status == "deleted") {
			err = errMemberNotFound
		}
	case email != "":
		m, err = memberByEmail(ctx, tx, o.OrganizationID, email)
		if err == nil && m == nil {
			err = errMemberNotFound
		}
	default:
		err = newAPIError(400, "member_id_or_email_address_required", "Provide member_id or email_address.")
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"member_id": m.MemberID, "member": m.member, "organization": o}, nil
}

// DELETE /v1/b2b/organizations/{organization_id}/members/{member_id}
// Sets the member's status to deleted (which also revokes a pending invite) and revokes its sessions.
func (e *Emulator) memberDelete(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	o, err := getOrg(ctx, tx, r.PathValue("organization_id"))
	if err != nil {
		return nil, err
	}
	caller, err := e.caller(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	m, err := getMember(ctx, tx, r.PathValue("member_id"))
	if err != nil && !errors.Is(err, errMemberNotFound) {
		return nil, err
	}
	if err := e.authorizeOnMember(caller, o, r.PathValue("member_id"), "delete"); err != nil {
		return nil, err
	}
	if m == nil || m.OrganizationID != o.OrganizationID || m.Status == "deleted" {
		return nil, errMemberNotFound
	}
	now := e.now()
	m.Status = "deleted"
	m.UpdatedAt = ts(now)
	if err := saveMember(ctx, tx, m, now); err != nil {
		return nil, err
	}
	if err := revokeMemberSessions(ctx, tx, m.MemberID, now); err != nil {
		return nil, err
	}
	return map[string]any{"member_id": m.MemberID}, nil
}

var errNotReactivatable = newAPIError(400, "member_email_not_verified",
	"Only members with a verified email address can be reactivated.")

// PUT /v1/b2b/organizations/{organization_id}/members/{member_id}/reactivate
// Sets a deleted member back to active (a member never verified cannot be: Stytch's rule); an
// active member is returned unchanged. Needs stytch.member delete with a member session: the
// default policy names no reactivate action, and whoever may remove may restore.
func (e *Emulator) memberReactivate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	o, caller, err := e.orgAndCaller(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	if err := e.authorize(caller, o, resMember, "delete"); err != nil {
		return nil, err
	}
	m, err := getMember(ctx, tx, r.PathValue("member_id"))
	if err != nil {
		return nil, err
	}
	if m.OrganizationID != o.OrganizationID {
		return nil, errMemberNotFound
	}
	if m.Status == "deleted" {
		if !m.EmailAddressVerified {
			return nil, errNotReactivatable
		}
		now := e.now()
		m.Status, m.UpdatedAt = "active", ts(now)
		if err := saveMember(ctx, tx, m, now); err != nil {
			return nil, err
		}
	}
	return map[string]any{"member_id": m.MemberID, "member": m.member, "organization": o}, nil
}
