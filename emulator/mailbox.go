package emulator

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// Message is one email or text message the emulator would have sent.
type Message struct {
	To               string    `json:"to"` // email address, or E.164 number for "sms"
	Subject          string    `json:"subject"`
	Kind             string    `json:"kind"` // "discovery" | "login" | "signup" | "invite" | "discovery_otp" | "login_otp" | "signup_otp" | "sms"
	Link             string    `json:"link"` // "" for codes
	Code             string    `json:"code,omitempty"`
	OrganizationID   string    `json:"organization_id"`             // "" for discovery
	OrganizationName string    `json:"organization_name,omitempty"` // the organization's name now
	SentAt           time.Time `json:"sent_at"`
}

// recordMail stores msg in the mailbox and logs its link or code: the emulator's stand-in for
// sending.
func (e *Emulator) recordMail(ctx context.Context, tx *sql.Tx, msg Message) error {
	if err := insertMail(ctx, tx, msg); err != nil {
		return err
	}
	e.log.Info("stytch emulator mail", "to", msg.To, "kind", msg.Kind, "link", msg.Link, "code", msg.Code)
	return nil
}

// Mailbox returns the recorded messages, newest first; to filters by email address or phone
// number ("" = all).
func (e *Emulator) Mailbox(ctx context.Context, to string) ([]Message, error) {
	var out []Message
	err := e.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = listMail(ctx, tx, mailboxAddress(to))
		return err
	})
	return out, err
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
