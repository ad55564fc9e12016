package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// MemberAdmin is what Members needs of the Stytch adapter. sessionToken is the acting member's:
// Stytch runs each call with that member's permissions (RBAC), on top of the app's own check.
type MemberAdmin interface {
	MemberManager // roles, removing and restoring, sessions (members_admin.go)
	FindMember(ctx context.Context, sessionToken, orgID, memberID string) (stytchb2b.OrgMember, error)
	Invite(ctx context.Context, sessionToken string, inv stytchb2b.Invitation) error
	DeleteMember(ctx context.Context, sessionToken, orgID, memberID string) error
	PermissionChecker
}

// Members serves an organization's member list and its invitations. Every admin action is
// checked twice: by the route's permission check (Stytch's authorization check on the session,
// before anything else) and by Stytch again, which runs each call with the member's own session
// token and its RBAC permissions. Listing needs stytch.member search (admins, by default).
type Members struct {
	re         *responder
	stytch     MemberAdmin
	landingURL string // BASE_URL/authenticate: where invitation links land
	// Invitation emails are limited like sign-in emails, since anyone can create an org and
	// invite: per recipient address and per sending admin.
	byRecipient, bySender *Limiter
}

// NewMembers returns the member-list handlers.
func NewMembers(re *responder, st MemberAdmin, landingURL string, byRecipient, bySender *Limiter) *Members {
	return &Members{re: re, stytch: st, landingURL: landingURL, byRecipient: byRecipient, bySender: bySender}
}

// MembersPage handles GET /members (signed in): the organization's members; admins also get the
// invite form and can resend or revoke pending invitations.
func (h *Members) MembersPage(w http.ResponseWriter, r *http.Request, m Member) {
	h.renderMembers(w, r, http.StatusOK, m, views.InviteData{}, h.re.notice(r))
}

func (h *Members) renderMembers(w http.ResponseWriter, r *http.Request, status int, m Member, invite views.InviteData, n views.Notice) {
	d, err := h.membersData(r, m) // one member search: a page, whatever the organization's size
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	d.Invite, d.Notice = invite, n
	if d.Can.Roles {
		d.Invite.Roles = d.Roles
	}
	h.re.render(w, r, status, titleMembers, views.MembersFragment(d))
}

// InviteSubmit handles POST /members/invite (admins; email): Stytch emails the person a link
// that signs them straight into this organization.
func (h *Members) InviteSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	raw, err := formValue(r, views.FieldEmail)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	roles, err := h.inviteRoles(r, m)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	addr, problem := parseEmail(raw)
	switch {
	case strings.TrimSpace(raw) == "":
		problem = msgInviteeEmpty
	case problem == "" && strings.EqualFold(addr, m.Email):
		problem = msgInviteeSelf
	}
	if problem != "" {
		h.invalidInvite(w, r, m, views.InviteData{Email: raw, Error: problem, Chosen: roles})
		return
	}
	err = h.invite(r, m, addr, roles)
	var wait WaitError
	if errors.As(err, &wait) { // too soon: the form says why and when, the address kept
		h.re.log.Info("invitation refused by the rate limit", "org", m.Org.ID, "err", err)
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(wait.Wait)))
		h.refuseInvite(w, r, http.StatusTooManyRequests, m, views.InviteData{Email: addr, Cooldown: inviteCooldown(addr, wait), Chosen: roles})
		return
	}
	if p, ok := problemOf(err, inviteProblems); ok {
		h.re.log.Info("invitation refused", "org", m.Org.ID, "err", err)
		h.invalidInvite(w, r, m, views.InviteData{Email: addr, Error: p.msg, Chosen: roles})
		return
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.re.confirm(r.Context(), noticeInvited, fmt.Sprintf(fmtInvited, addr, m.Org.Name))
	redirect(w, r, "/members?notice="+noticeInvited)
}

// invalidInvite re-renders the invite form (htmx) or the whole member list (no JS) with 422.
func (h *Members) invalidInvite(w http.ResponseWriter, r *http.Request, m Member, f views.InviteData) {
	h.refuseInvite(w, r, http.StatusUnprocessableEntity, m, f)
}

// refuseInvite re-renders the invite form (htmx) or the whole member list (no JS) with status.
func (h *Members) refuseInvite(w http.ResponseWriter, r *http.Request, status int, m Member, f views.InviteData) {
	f.Roles = h.roleChoices(r, m)
	h.re.refuse(w, r, status, views.InviteForm(f), func(status int) { h.renderMembers(w, r, status, m, f, views.Notice{}) })
}

// ResendSubmit handles POST /members/resend (admins; member_id): a fresh invitation email to a
// member who hasn't joined yet.
func (h *Members) ResendSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	invitee, ok := h.invitation(w, r, m, stytchb2b.ErrMemberActive)
	if !ok {
		return
	}
	if err := h.invite(r, m, invitee.Email, nil); err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.re.confirm(r.Context(), noticeResent, fmt.Sprintf(fmtResent, invitee.Email))
	redirect(w, r, "/members?notice="+noticeResent)
}

// invite has Stytch email an invitation (giving roles, if any), within the send limits.
func (h *Members) invite(r *http.Request, m Member, addr string, roles []string) error {
	ctx := r.Context()
	if err := h.bySender.Allow(ctx, m.MemberID); err != nil {
		return err
	}
	if err := h.byRecipient.Allow(ctx, addr); err != nil {
		h.bySender.Undo(ctx, m.MemberID)
		return err
	}
	err := h.stytch.Invite(ctx, m.Token, stytchb2b.Invitation{OrgID: m.Org.ID, Email: addr, InvitedBy: m.MemberID, RedirectURL: h.landingURL, Roles: roles})
	if err != nil { // nothing was sent: don't make them wait to retry
		h.bySender.Undo(ctx, m.MemberID)
		h.byRecipient.Undo(ctx, addr)
	}
	return err
}

// RevokeSubmit handles POST /members/revoke (admins; member_id): delete a member who hasn't
// joined yet, so the invitation link stops working. Active members (and yourself) are refused.
func (h *Members) RevokeSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	invitee, ok := h.invitation(w, r, m, ErrRevokeActive)
	if !ok {
		return
	}
	err := h.stytch.DeleteMember(r.Context(), m.Token, m.Org.ID, invitee.ID)
	if errors.Is(err, stytchb2b.ErrMemberNotFound) {
		err = nil // revoked meanwhile (another admin, another tab): what was asked for
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.re.confirm(r.Context(), noticeRevoked, fmt.Sprintf(fmtRevoked, invitee.Email))
	redirect(w, r, "/members?notice="+noticeRevoked)
}

// invitation returns the not-yet-joined member the form's member_id names, looked up in the
// admin's own organization; otherwise it answers the request itself (a member who has joined
// is refused with active).
func (h *Members) invitation(w http.ResponseWriter, r *http.Request, m Member, active error) (stytchb2b.OrgMember, bool) {
	id, err := formValue(r, views.FieldMemberID)
	switch {
	case err != nil:
	case id == m.MemberID:
		err = ErrRevokeSelf
	case !memberIDPattern.MatchString(id):
		err = fmt.Errorf("malformed member_id: %w", stytchb2b.ErrMemberNotFound)
	}
	if err == nil {
		var invitee stytchb2b.OrgMember
		invitee, err = h.stytch.FindMember(r.Context(), m.Token, m.Org.ID, id)
		if err == nil && invitee.Status != "invited" && invitee.Status != "pending" {
			err = fmt.Errorf("member %s is %s: %w", id, invitee.Status, active)
		}
		if err == nil {
			return invitee, true
		}
	}
	h.re.fail(w, r, err)
	return stytchb2b.OrgMember{}, false
}

// memberRows orders members for the list: active first, then invited and pending, each by email.
func memberRows(list []stytchb2b.OrgMember, selfID string) []views.MemberRow {
	rank := func(status string) int {
		if i := slices.Index([]string{"active", "invited", "pending"}, status); i >= 0 {
			return i
		}
		return 3
	}
	list = slices.Clone(list)
	slices.SortStableFunc(list, func(a, b stytchb2b.OrgMember) int {
		return cmp.Or(cmp.Compare(rank(a.Status), rank(b.Status)), strings.Compare(a.Email, b.Email))
	})
	rows := make([]views.MemberRow, 0, len(list))
	for _, o := range list {
		rows = append(rows, views.MemberRow{ID: o.ID, Email: o.Email, Name: o.Name, Status: o.Status, Role: memberRoles(o), Roles: o.Roles, You: o.ID == selfID})
	}
	return rows
}
