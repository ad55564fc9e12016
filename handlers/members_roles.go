package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// maxRoles bounds the roles one form may send.
const maxRoles = 50

// RolesSubmit handles POST /members/roles (stytch.member update.settings.roles; member_id,
// roles: one value per role ID): replace the member's assigned roles with those ticked. The
// last admin keeps the admin role (ErrLastAdmin). The change applies at once: admin routes
// ask Stytch for the member's roles on every request (guard.can).
func (h *Members) RolesSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	roles, err := h.chosenRoles(r)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	target, err := h.targetMember(r, m, nil)
	if err == nil && target.Status != stytchb2b.StatusActive {
		err = fmt.Errorf("member %s is %s: %w", target.ID, target.Status, stytchb2b.ErrMemberNotFound)
	}
	if err == nil {
		err = h.keepsAnAdmin(r.Context(), m, target, slices.Contains(roles, stytchb2b.AdminRoleID))
	}
	if err == nil {
		target, err = h.stytch.SetRoles(r.Context(), m.Token, m.Org.ID, target.ID, roles)
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.re.confirm(r.Context(), noticeRolesSaved, fmt.Sprintf(fmtRolesSaved, target.Email, memberRoles(target)))
	redirect(w, r, "/members?notice="+noticeRolesSaved)
}

// chosenRoles reads the roles field: each a role of the project's policy that admins may
// assign (anything else is a malformed request).
func (h *Members) chosenRoles(r *http.Request) ([]string, error) {
	if _, err := formValue(r, views.FieldMemberID); err != nil { // parses the form
		return nil, err
	}
	return h.knownRoles(r, r.PostForm[views.FieldRoles])
}

// knownRoles checks the role IDs a form sent (the form parsed already): each one of the
// policy's, duplicates dropped.
func (h *Members) knownRoles(r *http.Request, sent []string) ([]string, error) {
	if len(sent) > maxRoles {
		return nil, fmt.Errorf("%d roles sent: %w", len(sent), ErrBadRequest)
	}
	known, err := h.stytch.Roles(r.Context())
	if err != nil {
		return nil, err
	}
	roles := []string{}
	for _, id := range sent {
		if !utf8.ValidString(id) || !slices.ContainsFunc(known, func(k stytchb2b.Role) bool { return k.ID == id }) {
			return nil, fmt.Errorf("unknown role %q: %w", id, ErrBadRequest)
		}
		if !slices.Contains(roles, id) {
			roles = append(roles, id)
		}
	}
	return roles, nil
}

// inviteRoles reads the invite form's roles: only a member who may edit roles may give them
// (the picker is shown to no one else).
func (h *Members) inviteRoles(r *http.Request, m Member) ([]string, error) {
	roles, err := h.knownRoles(r, r.PostForm[views.FieldRoles])
	if err == nil && len(roles) > 0 && !h.stytch.Can(r.Context(), m.Roles, m.Org.ID, stytchb2b.EditRoles) {
		err = fmt.Errorf("roles in an invitation from a member who can't edit roles: %w", stytchb2b.ErrForbidden)
	}
	return roles, err
}

// roleChoices are the roles the invite form offers: those of the member rows' roles forms,
// for a member who may edit roles; none otherwise (or when the policy can't be read).
func (h *Members) roleChoices(r *http.Request, m Member) []views.RoleOption {
	if !h.stytch.Can(r.Context(), m.Roles, m.Org.ID, stytchb2b.EditRoles) {
		return nil
	}
	roles, err := h.stytch.Roles(r.Context())
	if err != nil {
		return nil
	}
	return roleOptions(roles)
}
