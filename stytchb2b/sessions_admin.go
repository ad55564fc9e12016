package stytchb2b

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/b2b/sessions"
)

// MemberSession is one of a member's live sessions, as the account page lists them.
type MemberSession struct {
	ID         string // member_session_id
	StartedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time
	Methods    []string // how it was signed in: the factors' delivery methods (email, oauth_google, sms, authenticator_app…)
	Primary    []string // the sign-in methods (allowed_auth_methods values) its factors prove
}

// MemberSessions returns the member's live sessions in the organization, oldest first. Stytch
// answers this with project credentials only (Sessions.Get takes no member session), so
// callers pass only the signed-in member's own ID or one an admin check has cleared.
func (c *Client) MemberSessions(ctx context.Context, orgID, memberID string) ([]MemberSession, error) {
	resp, err := call(ctx, c, "list sessions", c.api.Sessions.Get, &sessions.GetParams{OrganizationID: orgID, MemberID: memberID})
	if err != nil {
		return nil, err
	}
	out := make([]MemberSession, 0, len(resp.MemberSessions))
	for _, s := range resp.MemberSessions {
		if s.OrganizationID != orgID || s.MemberID != memberID {
			continue
		}
		ms := MemberSession{ID: s.MemberSessionID}
		for dst, src := range map[*time.Time]*time.Time{&ms.StartedAt: s.StartedAt, &ms.LastUsedAt: s.LastAccessedAt, &ms.ExpiresAt: s.ExpiresAt} {
			if src != nil {
				*dst = *src
			}
		}
		for _, f := range s.AuthenticationFactors {
			m := string(f.DeliveryMethod)
			if m == "" {
				m = string(f.Type)
			}
			ms.Methods = append(ms.Methods, m)
			if p := primaryMethod(string(f.Type), string(f.DeliveryMethod)); p != "" {
				ms.Primary = append(ms.Primary, p)
			}
		}
		out = append(out, ms)
	}
	return out, nil
}

// RevokeSessionByID ends one session by its ID, with the acting member's permissions (their
// own: stytch.self revoke-sessions). Already ended is no error.
func (c *Client) RevokeSessionByID(ctx context.Context, sessionToken, sessionID string) error {
	if err := needSession("revoke session", sessionToken); err != nil {
		return err // refused before the call: not "already ended" (so not doAsMember)
	}
	_, err := callAs(ctx, c, "revoke session", c.api.Sessions.Revoke, &sessions.RevokeParams{MemberSessionID: sessionID},
		&sessions.RevokeRequestOptions{Authorization: asMember(sessionToken)})
	if errors.Is(err, ErrSessionEnded) {
		return nil
	}
	return err
}

// RevokeMemberSessions ends every session of a member, with the acting member's permissions
// (stytch.member revoke-sessions for someone else's).
func (c *Client) RevokeMemberSessions(ctx context.Context, sessionToken, memberID string) error {
	return doAsMember(ctx, c, "revoke member sessions", sessionToken, c.api.Sessions.Revoke, &sessions.RevokeParams{MemberID: memberID},
		&sessions.RevokeRequestOptions{Authorization: asMember(sessionToken)})
}

// SessionIDOf reads the member_session_id from a session JWT the app already verified and
// stored ("" when it can't): it marks "this session" in the list, and is never trusted for
// more.
func SessionIDOf(jwt string) string {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Session struct {
			ID string `json:"id"`
		} `json:"https://stytch.com/session"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return ""
	}
	return claims.Session.ID
}

// primaryMethod is the allowed_auth_methods value a factor proves ("" for second steps).
func primaryMethod(typ, delivery string) string {
	switch {
	case typ == "magic_link":
		return AuthMagicLink
	case typ == "email_otp" || (typ == "otp" && delivery == "email"):
		return AuthEmailOTP
	case delivery == "oauth_google":
		return AuthGoogle
	case delivery == "oauth_microsoft":
		return AuthMicrosoft
	case typ == "sso":
		return AuthSSO
	}
	return ""
}
