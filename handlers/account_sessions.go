package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/a-h/templ"

	"github.com/orgpick/orgpick/stytchb2b"
	"github.com/orgpick/orgpick/views"
)

// SessionLister is what the account page's session list needs of the Stytch adapter. Stytch
// lists sessions with project credentials only, so the list is only ever the signed-in
// member's own; ending one runs with the member's own session (stytch.self revoke-sessions).
type SessionLister interface {
	MemberSessions(ctx context.Context, orgID, memberID string) ([]stytchb2b.MemberSession, error)
	RevokeSessionByID(ctx context.Context, sessionToken, sessionID string) error
}

// errNoCurrentSession: this browser's session can't be told apart, so none is ended.
var errNoCurrentSession = errors.New("the session JWT names no member_session_id")

// sessionsSection is the account page's list of where the member is signed in (one call).
func (h *Account) sessionsSection(ctx context.Context, m Member) (templ.Component, error) {
	live, err := h.stytch.MemberSessions(ctx, m.Org.ID, m.MemberID)
	if err != nil {
		return nil, err
	}
	current := stytchb2b.SessionIDOf(m.JWT)
	d := views.SessionsData{}
	for _, s := range live {
		row := views.SessionRow{ID: s.ID, Method: sessionMethods(s.Methods), Started: sessionTime(s.StartedAt), LastUsed: sessionTime(s.LastUsedAt), Current: s.ID == current}
		if row.Current { // this one first
			d.Sessions = slices.Insert(d.Sessions, 0, row)
			continue
		}
		d.Others++
		d.Sessions = append(d.Sessions, row)
	}
	return views.AccountSessions(d), nil
}

// SessionRevokeSubmit handles POST /account/sessions/revoke (signed in; session_id): sign out
// one of the member's other sessions in this organization. An ID not in the member's own list
// is refused before Stytch hears of it; this browser's own is signing out (the logout button).
func (h *Account) SessionRevokeSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	id, err := formValue(r, views.FieldSessionID)
	var live []stytchb2b.MemberSession
	if err == nil {
		live, err = h.stytch.MemberSessions(r.Context(), m.Org.ID, m.MemberID)
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	i := slices.IndexFunc(live, func(s stytchb2b.MemberSession) bool { return s.ID == id })
	switch {
	case i < 0:
		err = fmt.Errorf("session %q is not one of the member's: %w", id, ErrNotFound)
	case id == stytchb2b.SessionIDOf(m.JWT):
		err = fmt.Errorf("revoke this browser's session from the list: %w", ErrBadRequest)
	default:
		err = h.stytch.RevokeSessionByID(r.Context(), m.Token, id)
	}
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	h.re.confirm(r.Context(), noticeSessionEnd, fmt.Sprintf(fmtSessionEnded, sessionTime(live[i].StartedAt)))
	redirect(w, r, "/account?notice="+noticeSessionEnd)
}

// RevokeOthersSubmit handles POST /account/sessions/revoke-others (signed in): sign out every
// session of the member in this organization but this browser's.
func (h *Account) RevokeOthersSubmit(w http.ResponseWriter, r *http.Request, m Member) {
	current := stytchb2b.SessionIDOf(m.JWT)
	if current == "" {
		h.re.fail(w, r, errNoCurrentSession)
		return
	}
	live, err := h.stytch.MemberSessions(r.Context(), m.Org.ID, m.MemberID)
	if err != nil {
		h.re.fail(w, r, err)
		return
	}
	n := 0
	for _, s := range live {
		if s.ID == current {
			continue
		}
		if err := h.stytch.RevokeSessionByID(r.Context(), m.Token, s.ID); err != nil {
			h.re.fail(w, r, err)
			return
		}
		n++
	}
	h.re.confirm(r.Context(), noticeOthersEnded, fmt.Sprintf(fmtOthersEnded, n))
	redirect(w, r, "/account?notice="+noticeOthersEnded)
}
