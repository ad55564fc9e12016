package emulator

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Magic links.

type magicLink struct {
	Kind     string
	Email    string
	OrgID    string
	MemberID string
}

func insertMagicLink(ctx context.Context, q querier, tok string, ml magicLink, expires time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO magic_links (hash, kind, email, org_id, member_id, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		hashToken(tok), ml.Kind, ml.Email, ml.OrgID, ml.MemberID, expires.UnixNano())
	if err != nil {
		return fmt.Errorf("insert magic link: %w", err)
	}
	return nil
}

// consumeMagicLink marks the token used and returns it. kinds restricts which kinds qualify
// (a token of another kind is reported as not found). Unknown ⇒ magic_link_not_found;
// used or expired ⇒ unable_to_auth_magic_link. The conditional UPDATE makes use single.
func consumeMagicLink(ctx context.Context, q querier, tok string, now time.Time, kinds ...string) (*magicLink, error) {
	if tok == "" {
		return nil, errMagicLinkNotFound
	}
	h := hashToken(tok)
	var ml magicLink
	var expires int64
	var used sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT kind, email, org_id, member_id, expires_at, used_at FROM magic_links WHERE hash = ?`, h).
		Scan(&ml.Kind, &ml.Email, &ml.OrgID, &ml.MemberID, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errMagicLinkNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get magic link: %w", err)
	}
	kindOK := false
	for _, k := range kinds {
		kindOK = kindOK || k == ml.Kind
	}
	if !kindOK {
		return nil, errMagicLinkNotFound
	}
	if used.Valid || !now.Before(time.Unix(0, expires)) {
		return nil, errMagicLinkUsed
	}
	res, err := q.ExecContext(ctx, `UPDATE magic_links SET used_at = ? WHERE hash = ? AND used_at IS NULL`, now.UnixNano(), h)
	if err != nil {
		return nil, fmt.Errorf("consume magic link: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, errMagicLinkUsed
	}
	return &ml, nil
}

// Intermediate sessions.

type intermediateSession struct {
	Hash    string
	Email   string
	EmailID string
	Created time.Time
}

func insertIST(ctx context.Context, q querier, tok, email, emailID string, now, expires time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO intermediate_sessions (hash, email, email_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		hashToken(tok), email, emailID, now.UnixNano(), expires.UnixNano())
	if err != nil {
		return fmt.Errorf("insert intermediate session: %w", err)
	}
	return nil
}

// getIST returns a live (unconsumed, unexpired) intermediate session.
func getIST(ctx context.Context, q querier, tok string, now time.Time) (*intermediateSession, error) {
	if tok == "" {
		return nil, errISTNotFound
	}
	ist := intermediateSession{Hash: hashToken(tok)}
	var created, expires int64
	var consumed sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT email, email_id, created_at, expires_at, consumed_at FROM intermediate_sessions WHERE hash = ?`, ist.Hash).
		Scan(&ist.Email, &ist.EmailID, &created, &expires, &consumed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errISTNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get intermediate session: %w", err)
	}
	if consumed.Valid || !now.Before(time.Unix(0, expires)) {
		return nil, errISTNotFound
	}
	ist.Created = time.Unix(0, created).UTC()
	return &ist, nil
}

func consumeIST(ctx context.Context, q querier, ist *intermediateSession, now time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE intermediate_sessions SET consumed_at = ? WHERE hash = ? AND consumed_at IS NULL`, now.UnixNano(), ist.Hash)
	if err != nil {
		return fmt.Errorf("consume intermediate session: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errISTNotFound
	}
	return nil
}

// consumeISTHash consumes the intermediate session with the given hash, if still unconsumed.
func consumeISTHash(ctx context.Context, q querier, hash string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE intermediate_sessions SET consumed_at = ? WHERE hash = ? AND consumed_at IS NULL`, now.UnixNano(), hash)
	if err != nil {
		return fmt.Errorf("consume parent intermediate session: %w", err)
	}
	return nil
}

// insertISTFactor records the primary factor of a discovery IST that is not an email magic link.
func insertISTFactor(ctx context.Context, q querier, ist string, factor authFactor) error {
	data, err := json.Marshal(factor)
	if err != nil {
		return fmt.Errorf("encode factor: %w", err)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO ist_factors (hash, factor) VALUES (?, ?)`, hashToken(ist), string(data)); err != nil {
		return fmt.Errorf("insert intermediate session factor: %w", err)
	}
	return nil
}

// getISTFactor returns the recorded primary factor of a discovery IST, or nil (a magic link).
func getISTFactor(ctx context.Context, q querier, hash string) (*authFactor, error) {
	var data string
	err := q.QueryRowContext(ctx, `SELECT factor FROM ist_factors WHERE hash = ?`, hash).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get intermediate session factor: %w", err)
	}
	var f authFactor
	if err := json.Unmarshal([]byte(data), &f); err != nil {
		return nil, fmt.Errorf("decode intermediate session factor: %w", err)
	}
	return &f, nil
}

// istScope binds an intermediate session to one member of one organization.
type istScope struct {
	OrgID      string
	MemberID   string
	Factors    []authFactor
	ParentHash string
}

// insertISTScope binds the IST with the given hash to s.
func insertISTScope(ctx context.Context, q querier, hash string, s istScope) error {
	factors, err := json.Marshal(s.Factors)
	if err != nil {
		return fmt.Errorf("encode ist factors: %w", err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO ist_scopes (hash, org_id, member_id, factors, parent_hash) VALUES (?, ?, ?, ?, ?)`,
		hash, s.OrgID, s.MemberID, string(factors), s.ParentHash)
	if err != nil {
		return fmt.Errorf("insert ist scope: %w", err)
	}
	return nil
}

// getISTScope returns the scope of an IST, or nil for a discovery IST.
func getISTScope(ctx context.Context, q querier, hash string) (*istScope, error) {
	var s istScope
	var factors string
	err := q.QueryRowContext(ctx, `SELECT org_id, member_id, factors, parent_hash FROM ist_scopes WHERE hash = ?`, hash).
		Scan(&s.OrgID, &s.MemberID, &factors, &s.ParentHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get ist scope: %w", err)
	}
	if err := json.Unmarshal([]byte(factors), &s.Factors); err != nil {
		return nil, fmt.Errorf("decode ist factors: %w", err)
	}
	return &s, nil
}
