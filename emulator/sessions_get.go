package emulator

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
)

// GET /v1/b2b/sessions?organization_id=…&member_id=… (Sessions.Get): the member's live
// sessions, oldest first.
func (e *Emulator) sessionsGet(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	orgRef, memberID := r.URL.Query().Get("organization_id"), r.URL.Query().Get("member_id")
	if orgRef == "" || memberID == "" {
		return nil, newAPIError(400, "bad_request", "organization_id and member_id are required.")
	}
	o, err := getOrg(ctx, tx, orgRef)
	if err != nil {
		return nil, err
	}
	m, err := getMember(ctx, tx, memberID)
	if err != nil {
		return nil, err
	}
	if m.OrganizationID != o.OrganizationID || m.Status == "deleted" {
		return nil, errMemberNotFound
	}
	ids, err := memberSessionIDs(ctx, tx, m.MemberID)
	if err != nil {
		return nil, err
	}
	out := []memberSession{}
	for _, id := range ids {
		s, err := getSession(ctx, tx, "id", id, e.now())
		if errors.Is(err, errSessionNotFound) {
			continue // revoked or expired
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s.wire(m, o))
	}
	return map[string]any{"member_sessions": out}, nil
}
