package emulator

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Message is one email the emulator would have sent.
type Message struct {
	To             string    `json:"to"`
	Subject        string    `json:"subject"`
	Kind           string    `json:"kind"` // "discovery" | "login" | "signup" | "invite"
	Link           string    `json:"link"`
	OrganizationID string    `json:"organization_id"` // "" for discovery
	SentAt         time.Time `json:"sent_at"`
}

// recordMail stores msg in the mailbox and logs its link: the emulator's stand-in for sending.
func (e *Emulator) recordMail(ctx context.Context, tx *sql.Tx, msg Message) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO mailbox (to_addr, subject, kind, link, org_id, sent_at) VALUES (?, ?, ?, ?, ?, ?)`,
		msg.To, msg.Subject, msg.Kind, msg.Link, msg.OrganizationID, msg.SentAt.UnixNano())
	if err != nil {
		return fmt.Errorf("record mail: %w", err)
	}
	e.log.Info("stytch emulator mail", "to", msg.To, "kind", msg.Kind, "link", msg.Link)
	return nil
}

// Mailbox returns the recorded messages, newest first; to filters by address ("" = all).
func (e *Emulator) Mailbox(ctx context.Context, to string) ([]Message, error) {
	query := `SELECT to_addr, subject, kind, link, org_id, sent_at FROM mailbox`
	var args []any
	if to != "" {
		query += ` WHERE to_addr = ?`
		args = append(args, strings.ToLower(strings.TrimSpace(to)))
	}
	rows, err := e.db.QueryContext(ctx, query+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("emulator: read mailbox: %w", err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		var m Message
		var sent int64
		if err := rows.Scan(&m.To, &m.Subject, &m.Kind, &m.Link, &m.OrganizationID, &sent); err != nil {
			return nil, fmt.Errorf("emulator: read mailbox: %w", err)
		}
		m.SentAt = time.Unix(0, sent).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}
