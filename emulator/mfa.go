package emulator

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

const (
	mfaPolicyOptional = "OPTIONAL"
	mfaPolicyRequired = "REQUIRED_FOR_ALL"
	methodSMS         = "sms_otp"
	methodTOTP        = "totp"
)

// Detail objects of the MFA authentication factors (session authentication_factors[] and the
// JWT session claim).
type phoneNumberFactor struct {
	PhoneID     string `json:"phone_id"`
	PhoneNumber string `json:"phone_number"`
}

type authenticatorAppFactor struct {
	TOTPID string `json:"totp_id"`
}

type recoveryCodeFactor struct {
	TOTPRecoveryCodeID string `json:"totp_recovery_code_id"`
}

// newFactor is an authentication factor of the given type, authenticated now.
func newFactor(typ, delivery string, now time.Time) authFactor {
	return authFactor{Type: typ, DeliveryMethod: delivery,
		LastAuthenticatedAt: ts(now), CreatedAt: ts(now), UpdatedAt: ts(now)}
}

// totpFactor is the factor a TOTP code proves.
func totpFactor(totpID string, now time.Time) authFactor {
	f := newFactor("totp", "authenticator_app", now)
	f.AuthenticatorAppFactor = &authenticatorAppFactor{TOTPID: totpID}
	return f
}

// smsFactor is the factor an SMS passcode to phone proves.
func smsFactor(memberID, phone string, now time.Time) authFactor {
	f := newFactor("otp", "sms", now)
	f.PhoneNumberFactor = &phoneNumberFactor{PhoneID: phoneID(memberID, phone), PhoneNumber: phone}
	return f
}

// recoveryFactor is the factor a spent recovery code proves.
func recoveryFactor(codeID string, now time.Time) authFactor {
	f := newFactor("recovery_codes", "recovery_code", now)
	f.RecoveryCodeFactor = &recoveryCodeFactor{TOTPRecoveryCodeID: codeID}
	return f
}

// phoneID is a stable ID for a member's phone number (the emulator keeps no phone table).
func phoneID(memberID, phone string) string {
	sum := sha256.Sum256([]byte(memberID + "|" + phone))
	return fmt.Sprintf("phone-number-test-%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

// factorMethod is the MFA method a factor proves ("" for primary factors). Recovery codes
// stand in for TOTP.
func factorMethod(f authFactor) string {
	switch f.Type {
	case "totp", "recovery_codes":
		return methodTOTP
	case "otp":
		if f.DeliveryMethod == "sms" {
			return methodSMS
		}
	}
	return ""
}

// addFactor returns factors with f added; a factor of the same type and delivery method is
// refreshed instead of repeated.
func addFactor(factors []authFactor, f authFactor) []authFactor {
	out := slices.Clone(factors)
	for i, g := range out {
		if g.Type == f.Type && g.DeliveryMethod == f.DeliveryMethod {
			f.CreatedAt = g.CreatedAt
			out[i] = f
			return out
		}
	}
	return append(out, f)
}

// primaryAuth is what a primary-factor path knows once it has authenticated Member of Org.
type primaryAuth struct {
	Member   *storedMember
	Org      *organization
	Factors  []authFactor         // every factor proven so far, the primary one first
	Duration time.Duration        // validated session_duration_minutes
	Claims   map[string]any       // session_custom_claims
	Source   *intermediateSession // the IST the call presented, or nil
}

// finishPrimary is the one hook every primary-factor path (IST exchange, discovery create,
// magic_links/authenticate, sessions/exchange, oauth/authenticate) ends with. When Factors
// hold no primary method a RESTRICTED organization allows, it answers the pending shape with
// primary_required (and mfa_required null: the primary step comes first, no SMS is sent).
// Otherwise, when the organization's mfa_policy or the member's enrolment requires MFA and
// Factors hold no allowed MFA factor, it answers Stytch's "MFA pending" shape: mfa_required
// with member_options and secondary_auth_initiated (an SMS is sent when the member has a
// phone). Both pending shapes have member_authenticated false, a fresh IST bound to (Org,
// Member) carrying Factors, no session, and leave Source unconsumed. Otherwise it issues the
// session, consumes Source, and answers the full shape.
func (e *Emulator) finishPrimary(ctx context.Context, tx *sql.Tx, p primaryAuth) (map[string]any, error) {
	if !primarySatisfied(p.Org, p.Member, p.Factors) {
		return e.pending(ctx, tx, p, primaryRequired(p.Org), nil)
	}
	if mfaRequired(p.Org, p.Member) && !mfaSatisfied(p.Org, p.Member, p.Factors) {
		return e.mfaPending(ctx, tx, p)
	}
	is, err := e.issueSession(ctx, tx, p.Member, p.Org, p.Factors, p.Duration, p.Claims)
	if err != nil {
		return nil, err
	}
	if p.Source != nil {
		if err := consumeISTChain(ctx, tx, p.Source, e.now()); err != nil {
			return nil, err
		}
	}
	return sessionResponse(is, p.Member, p.Org), nil
}

// mfaPending builds the MFA-pending response of finishPrimary, texting a code when autoSMS.
func (e *Emulator) mfaPending(ctx context.Context, tx *sql.Tx, p primaryAuth) (map[string]any, error) {
	var initiated any
	if autoSMS(p.Org, p.Member) {
		sent, err := e.sendSMSCode(ctx, tx, p.Member, p.Org, e.now())
		if err != nil {
			return nil, err
		}
		if sent {
			initiated = methodSMS
		}
	}
	mfa := map[string]any{"member_options": memberOptions(p.Member), "secondary_auth_initiated": initiated}
	return e.pending(ctx, tx, p, nil, mfa)
}

// pending answers a step still to do (primary or mfa non-nil): no session, and a fresh IST
// bound to (Org, Member) carrying Factors, whose parent is Source.
func (e *Emulator) pending(ctx context.Context, tx *sql.Tx, p primaryAuth, primary, mfa any) (map[string]any, error) {
	now := e.now()
	tok := newSessionToken()
	if err := insertIST(ctx, tx, tok, p.Member.EmailAddress, p.Member.EmailID, now, now.Add(istLifetime)); err != nil {
		return nil, err
	}
	scope := istScope{OrgID: p.Org.OrganizationID, MemberID: p.Member.MemberID, Factors: p.Factors}
	if p.Source != nil {
		scope.ParentHash = p.Source.Hash
	}
	if err := insertISTScope(ctx, tx, hashToken(tok), scope); err != nil {
		return nil, err
	}
	return map[string]any{
		"member_id":                  p.Member.MemberID,
		"member":                     p.Member.member,
		"organization":               p.Org,
		"member_authenticated":       false,
		"intermediate_session_token": tok,
		"session_token":              "",
		"session_jwt":                "",
		"member_session":             nil,
		"mfa_required":               mfa,
		"primary_required":           primary,
	}, nil
}

// autoSMS: Stytch texts a code by itself when the member has a phone number, SMS is allowed,
// and the member does not prefer an active TOTP.
func autoSMS(o *organization, m *storedMember) bool {
	return m.MFAPhoneNumber != "" && methodAllowed(o, m, methodSMS) &&
		!(m.DefaultMFAMethod == methodTOTP && m.TOTPRegistrationID != "")
}

// memberOptions is mfa_required.member_options: null when the member has neither a phone
// number nor an active TOTP registration.
func memberOptions(m *storedMember) any {
	if m.MFAPhoneNumber == "" && m.TOTPRegistrationID == "" {
		return nil
	}
	return map[string]any{"mfa_phone_number": m.MFAPhoneNumber, "totp_registration_id": m.TOTPRegistrationID}
}

// discoveredMFA is member_authenticated and mfa_required of a discovered organization
// (m is nil when the email may join by domain). No SMS is ever sent from discovery.
func discoveredMFA(o *organization, m *storedMember) (bool, any) {
	if o.MFAPolicy != mfaPolicyRequired && (m == nil || !m.MFAEnrolled) {
		return true, nil
	}
	var opts any
	if m != nil {
		opts = memberOptions(m)
	}
	return false, map[string]any{"member_options": opts, "secondary_auth_initiated": nil}
}

// transferableFactors are the factors sessions/exchange carries into member to of another
// organization: email-based and OAuth factors, and an SMS factor only when the target member
// has the same, verified phone number. TOTP and recovery codes never move.
func transferableFactors(src []authFactor, to *storedMember) []authFactor {
	out := make([]authFactor, 0, len(src))
	for _, f := range src {
		switch {
		case f.Type == "totp" || f.Type == "recovery_codes" || f.Type == "sso": // SSO factors stay in their organization
			continue
		case f.PhoneNumberFactor != nil:
			if !to.MFAPhoneNumberVerified || to.MFAPhoneNumber != f.PhoneNumberFactor.PhoneNumber {
				continue
			}
			f.PhoneNumberFactor = &phoneNumberFactor{PhoneID: phoneID(to.MemberID, to.MFAPhoneNumber), PhoneNumber: to.MFAPhoneNumber}
		case f.EmailFactor != nil:
			f.EmailFactor = &emailFactor{EmailID: to.EmailID, EmailAddress: to.EmailAddress}
		}
		out = append(out, f)
	}
	return out
}

// istFactors are the factors an IST proves, as seen by member m: a scoped IST's stored
// factors (email factors re-pointed at m), else the discovery method's factor.
func istFactors(ctx context.Context, q querier, ist *intermediateSession, m *storedMember, now time.Time) ([]authFactor, error) {
	scope, err := getISTScope(ctx, q, ist.Hash)
	if err != nil {
		return nil, err
	}
	if scope == nil { // a discovery IST: the one factor its method proved
		return discoveryISTFactors(ctx, q, ist, m, now)
	}
	out := make([]authFactor, 0, len(scope.Factors))
	for _, f := range scope.Factors {
		if f.EmailFactor != nil {
			f.EmailFactor = &emailFactor{EmailID: m.EmailID, EmailAddress: m.EmailAddress}
		}
		out = append(out, f)
	}
	return out, nil
}

// istOrgHint is organization_id_hint of discovery/organizations: the organization a scoped IST
// is bound to.
func istOrgHint(ctx context.Context, q querier, ist *intermediateSession) (string, error) {
	scope, err := getISTScope(ctx, q, ist.Hash)
	if err != nil || scope == nil {
		return "", err
	}
	return scope.OrgID, nil
}

// consumeISTChain consumes ist and the discovery IST it was exchanged from (real Stytch echoes
// one token through the MFA step, so both end together).
func consumeISTChain(ctx context.Context, q querier, ist *intermediateSession, now time.Time) error {
	if err := consumeIST(ctx, q, ist, now); err != nil {
		return err
	}
	hash := ist.Hash
	for range 8 {
		scope, err := getISTScope(ctx, q, hash)
		if err != nil || scope == nil || scope.ParentHash == "" {
			return err
		}
		hash = scope.ParentHash
		if err := consumeISTHash(ctx, q, hash, now); err != nil {
			return err
		}
	}
	return nil
}

// Now returns the emulator's clock (Config.Now plus Advance), e.g. to compute TOTP codes with
// TOTPCode in tests.
func (e *Emulator) Now() time.Time { return e.now() }
