package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// RemoveSubmit handles POST /members/remove (stytch.member delete; member_id, confirm). Without
// confirm=yes it answers the confirmation step, naming the member and their live sessions;
// with it, it ends every session of the member at Stytch and deletes the member, who can then
// no longer choose the organization. Yourself and the last admin are refused.
func (h *Members) RemoveSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	ctx := r.Context()
	confirm, err := formValue(r, views.FieldConfirm)
	var target stytchb2b.OrgMember
	if err == nil {
		target, err = h.targetMember(r, m, ErrActOnSelf)
	}
	if err == nil && target.Status == stytchb2b.StatusDeleted {
		err = fmt.Errorf("member %s already removed: %w", target.ID, stytchb2b.ErrMemberNotFound)
	}
	if err == nil {
		err = h.keepsAnAdmin(ctx, m, target, false)
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	if confirm != views.ConfirmYes {
		live, err := h.stytch.MemberSessions(ctx, m.Org.ID, target.ID)
		if err != nil {
			h.re.fail(w, r, err)
			return
		}
		retarget(w, r)
		h.re.render(w, r, http.StatusOK, titleRemoveMember, views.RemoveConfirmFragment(views.RemoveConfirmData{
			MemberID: target.ID, Email: target.Email, OrgName: m.Org.Name, Sessions: len(live),
		}))
		return
	}
	// Sessions first: a member deleted but still signed in would be worse than the reverse.
	if err := h.stytch.RevokeMemberSessions(ctx, m.Token, target.ID); err != nil && !errors.Is(err, stytchb2b.ErrSessionEnded) {
		h.re.fail(w, r, err)
		return
	}
	if err := h.stytch.DeleteMember(ctx, m.Token, m.Org.ID, target.ID); err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.re.confirm(ctx, noticeRemoved, fmt.Sprintf(fmtRemoved, target.Email, m.Org.Name))
	redirect(w, r, "/members?notice="+noticeRemoved)
}

// RestoreSubmit handles POST /members/restore (stytch.member delete; member_id): a removed
// member becomes active again (Stytch's reactivate) and can sign in.
func (h *Members) RestoreSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	target, err := h.targetMember(r, m, ErrActOnSelf)
	if err == nil && target.Status != stytchb2b.StatusDeleted {
		err = fmt.Errorf("member %s is %s: %w", target.ID, target.Status, ErrNotRemoved)
	}
	if err == nil {
		_, err = h.stytch.ReactivateMember(r.Context(), m.Token, m.Org.ID, target.ID)
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.re.confirm(r.Context(), noticeRestored, fmt.Sprintf(fmtRestored, target.Email, m.Org.Name))
	redirect(w, r, "/members?notice="+noticeRestored)
}

// FactorsResetSubmit handles POST /members/mfa/reset (stytch.member update.info.delete.mfa-totp;
// member_id): delete an active member's authenticator app and MFA phone, for someone who lost
// their phone; they set a second step up again at their next sign-in.
func (h *Members) FactorsResetSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	target, err := h.activeTarget(r, m)
	if err == nil {
		err = h.stytch.ResetFactors(r.Context(), m.Token, m.Org.ID, target.ID)
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.re.confirm(r.Context(), noticeFactorsReset, fmt.Sprintf(fmtFactorsReset, target.Email))
	redirect(w, r, "/members?notice="+noticeFactorsReset)
}

// SignOutSubmit handles POST /members/sessions/revoke (stytch.member revoke-sessions;
// member_id): end every session of an active member.
func (h *Members) SignOutSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	target, err := h.activeTarget(r, m)
	if err == nil {
		err = h.stytch.RevokeMemberSessions(r.Context(), m.Token, target.ID)
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.re.confirm(r.Context(), noticeMemberSignOut, fmt.Sprintf(fmtSignedOutOther, target.Email))
	redirect(w, r, "/members?notice="+noticeMemberSignOut)
}

// activeTarget is the active member (not the caller) the form's member_id names.
func (h *Members) activeTarget(r *http.Request, m Member) (stytchb2b.OrgMember, error) {
	target, err := h.targetMember(r, m, ErrActOnSelf)
	if err == nil && target.Status != stytchb2b.StatusActive {
		err = fmt.Errorf("member %s is %s: %w", target.ID, target.Status, stytchb2b.ErrMemberNotFound)
	}
	return target, err
}
