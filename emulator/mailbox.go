package emulator

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Message is one email or text message the emulator would have sent.
type Message struct {
	To             string    `json:"to"` // email address, or E.164 number for "sms"
	Subject        string    `json:"subject"`
	Kind           string    `json:"kind"`            // "discovery" | "login" | "signup" | "invite" | "sms"
	Link           string    `json:"link"`            // "" for "sms"
	OrganizationID string    `json:"organization_id"` // "" for discovery
	SentAt         time.Time `json:"sent_at"`
	Code           string    `json:"code,omitempty"` // the passcode of an "sms"
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

// Mailbox returns the recorded messages, newest first; to filters by email address or phone
// number ("" = all).
func (e *Emulator) Mailbox(ctx context.Context, to string) ([]Message, error) {
	query := `SELECT m.to_addr, m.subject, m.kind, m.link, m.org_id, m.sent_at, COALESCE(c.code, '')
		FROM mailbox m LEFT JOIN mailbox_codes c ON c.mailbox_id = m.id`
	var args []any
	if to != "" {
		query += ` WHERE m.to_addr = ?`
		args = append(args, mailboxAddress(to))
	}
	rows, err := e.db.QueryContext(ctx, query+` ORDER BY m.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("emulator: read mailbox: %w", err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		var m Message
		var sent int64
		if err := rows.Scan(&m.To, &m.Subject, &m.Kind, &m.Link, &m.OrganizationID, &sent, &m.Code); err != nil {
			return nil, fmt.Errorf("emulator: read mailbox: %w", err)
		}
		m.SentAt = time.Unix(0, sent).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// mailboxAddress normalises a mailbox filter: emails are lower-cased; a phone number whose "+"
// became a space in a query string (?to=+1555…) gets it back.
func mailboxAddress(to string) string {
	to = strings.ToLower(strings.TrimSpace(to))
	if to != "" && strings.Trim(to, "0123456789") == "" {
		return "+" + to
	}
	return to
}
