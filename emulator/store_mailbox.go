package emulator

import (
	"context"
	"fmt"
	"time"
)

// insertMail stores an email (a link, or a code in msg.Code).
func insertMail(ctx context.Context, q querier, msg Message) error {
	_, err := q.ExecContext(ctx, `INSERT INTO mailbox (to_addr, subject, kind, link, code, org_id, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		msg.To, msg.Subject, msg.Kind, msg.Link, msg.Code, msg.OrganizationID, msg.SentAt.UnixNano())
	if err != nil {
		return fmt.Errorf("record mail: %w", err)
	}
	return nil
}

// insertText stores a text message, its code beside it in mailbox_codes.
func insertText(ctx context.Context, q querier, msg Message) error {
	res, err := q.ExecContext(ctx, `INSERT INTO mailbox (to_addr, subject, kind, link, org_id, sent_at) VALUES (?, ?, ?, '', ?, ?)`,
		msg.To, msg.Subject, msg.Kind, msg.OrganizationID, msg.SentAt.UnixNano())
	if err != nil {
		return fmt.Errorf("record sms: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("record sms: %w", err)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO mailbox_codes (mailbox_id, code) VALUES (?, ?)`, id, msg.Code); err != nil {
		return fmt.Errorf("record sms code: %w", err)
	}
	return nil
}

// listMail returns the messages to an address ("" = all), newest first, each with its
// organization's current name.
func listMail(ctx context.Context, q querier, to string) ([]Message, error) {
	query := `SELECT m.to_addr, m.subject, m.kind, m.link, COALESCE(NULLIF(m.code, ''), c.code, ''), m.org_id,
		COALESCE(json_extract(o.data, '$.organization_name'), ''), m.sent_at
		FROM mailbox m LEFT JOIN mailbox_codes c ON c.mailbox_id = m.id LEFT JOIN organizations o ON o.id = m.org_id`
	var args []any
	if to != "" {
		query += ` WHERE m.to_addr = ?`
		args = append(args, to)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY m.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("emulator: read mailbox: %w", err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		var m Message
		var sent int64
		if err := rows.Scan(&m.To, &m.Subject, &m.Kind, &m.Link, &m.Code, &m.OrganizationID, &m.OrganizationName, &sent); err != nil {
			return nil, fmt.Errorf("emulator: read mailbox: %w", err)
		}
		m.SentAt = time.Unix(0, sent).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}
