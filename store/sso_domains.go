package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The SSO domain index: which organizations' admins named an email domain for single sign-on,
// and each organization's active SSO connections. Signing in with SSO reads it instead of
// asking Stytch (which has no SSO discovery call for backends). Shared by every instance on
// PostgreSQL.

// SSOConn is an active SSO connection of an organization, as the index keeps it.
type SSOConn struct {
	OrgID        string
	ConnectionID string
	Name         string
	Default      bool
}

// ssoBackend is the index's SQL, per engine (part of backend).
type ssoBackend interface {
	setSSODomains(ctx context.Context, orgID string, domains []string) error
	ssoDomains(ctx context.Context, orgID string) ([]string, error)
	setSSOConns(ctx context.Context, orgID string, conns []SSOConn) error
	ssoByDomain(ctx context.Context, domain string) ([]SSOConn, error)
}

// SetSSODomains replaces the email domains whose people sign in to orgID with SSO (lower-cased).
func (s *Store) SetSSODomains(ctx context.Context, orgID string, domains []string) error {
	clean := make([]string, 0, len(domains))
	for _, d := range domains {
		clean = append(clean, strings.ToLower(d))
	}
	return s.do(ctx, "set sso domains", func(ctx context.Context, b backend) error { return b.setSSODomains(ctx, orgID, clean) })
}

// SSODomains lists the email domains recorded for orgID, sorted.
func (s *Store) SSODomains(ctx context.Context, orgID string) ([]string, error) {
	return query(ctx, s, "sso domains", func(ctx context.Context, b backend) ([]string, error) { return b.ssoDomains(ctx, orgID) })
}

// SetSSOConnections replaces orgID's active SSO connections (in the order given, default first
// by convention).
func (s *Store) SetSSOConnections(ctx context.Context, orgID string, conns []SSOConn) error {
	return s.do(ctx, "set sso connections", func(ctx context.Context, b backend) error { return b.setSSOConns(ctx, orgID, conns) })
}

// SSOByDomain lists the active SSO connections of every organization that named domain: by
// organization, each one's default first. None is an empty list, not an error.
func (s *Store) SSOByDomain(ctx context.Context, domain string) ([]SSOConn, error) {
	return query(ctx, s, "sso by domain", func(ctx context.Context, b backend) ([]SSOConn, error) {
		return b.ssoByDomain(ctx, strings.ToLower(domain))
	})
}

// SQLite.

func (d sqliteDB) setSSODomains(ctx context.Context, orgID string, domains []string) error {
	return d.replace(ctx, `DELETE FROM sso_domains WHERE organization_id = ?`, orgID, len(domains), func(tx *sql.Tx, i int) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sso_domains (domain, organization_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, domains[i], orgID)
		return err
	})
}

func (d sqliteDB) setSSOConns(ctx context.Context, orgID string, conns []SSOConn) error {
	return d.replace(ctx, `DELETE FROM sso_connections WHERE organization_id = ?`, orgID, len(conns), func(tx *sql.Tx, i int) error {
		c := conns[i]
		_, err := tx.ExecContext(ctx, `INSERT INTO sso_connections (organization_id, connection_id, display_name, is_default, position) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, orgID, c.ConnectionID, c.Name, c.Default, i)
		return err
	})
}

// replace runs del for orgID then insert n times, in one transaction.
func (d sqliteDB) replace(ctx context.Context, del, orgID string, n int, insert func(tx *sql.Tx, i int) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return classifySQLite(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, del, orgID); err != nil {
		return classifySQLite(err)
	}
	for i := range n {
		if err := insert(tx, i); err != nil {
			return classifySQLite(err)
		}
	}
	return classifySQLite(tx.Commit())
}

func (d sqliteDB) ssoDomains(ctx context.Context, orgID string) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT domain FROM sso_domains WHERE organization_id = ? ORDER BY domain`, orgID)
	if err != nil {
		return nil, classifySQLite(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var dom string
		if err := rows.Scan(&dom); err != nil {
			return nil, classifySQLite(err)
		}
		out = append(out, dom)
	}
	return out, classifySQLite(rows.Err())
}

const ssoByDomainSQL = `
	SELECT c.organization_id, c.connection_id, c.display_name, c.is_default
	FROM sso_domains d JOIN sso_connections c ON c.organization_id = d.organization_id
	WHERE d.domain = %s
	ORDER BY c.organization_id, c.is_default DESC, c.position`

func (d sqliteDB) ssoByDomain(ctx context.Context, domain string) ([]SSOConn, error) {
	rows, err := d.db.QueryContext(ctx, fmt.Sprintf(ssoByDomainSQL, "?"), domain)
	if err != nil {
		return nil, classifySQLite(err)
	}
	defer rows.Close()
	var out []SSOConn
	for rows.Next() {
		var c SSOConn
		if err := rows.Scan(&c.OrgID, &c.ConnectionID, &c.Name, &c.Default); err != nil {
			return nil, classifySQLite(err)
		}
		out = append(out, c)
	}
	return out, classifySQLite(rows.Err())
}

// PostgreSQL.

func (p *pgDB) setSSODomains(ctx context.Context, orgID string, domains []string) error {
	return p.replace(ctx, `DELETE FROM sso_domains WHERE organization_id = $1`, orgID, func(b *pgx.Batch) {
		for _, dom := range domains {
			b.Queue(`INSERT INTO sso_domains (domain, organization_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, dom, orgID)
		}
	})
}

func (p *pgDB) setSSOConns(ctx context.Context, orgID string, conns []SSOConn) error {
	return p.replace(ctx, `DELETE FROM sso_connections WHERE organization_id = $1`, orgID, func(b *pgx.Batch) {
		for i, c := range conns {
			b.Queue(`INSERT INTO sso_connections (organization_id, connection_id, display_name, is_default, position) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT DO NOTHING`, orgID, c.ConnectionID, c.Name, c.Default, i)
		}
	})
}

// replace runs del for orgID then the queued inserts, in one transaction.
func (p *pgDB) replace(ctx context.Context, del, orgID string, queue func(b *pgx.Batch)) error {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return classifyPG(err)
	}
	defer tx.Rollback(ctx)
	b := &pgx.Batch{}
	b.Queue(del, orgID)
	queue(b)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return classifyPG(err)
	}
	return classifyPG(tx.Commit(ctx))
}

func (p *pgDB) ssoDomains(ctx context.Context, orgID string) ([]string, error) {
	rows, err := p.pool.Query(ctx, `SELECT domain FROM sso_domains WHERE organization_id = $1 ORDER BY domain`, orgID)
	if err != nil {
		return nil, classifyPG(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if out == nil {
		out = []string{}
	}
	return out, classifyPG(err)
}

func (p *pgDB) ssoByDomain(ctx context.Context, domain string) ([]SSOConn, error) {
	rows, err := p.pool.Query(ctx, fmt.Sprintf(ssoByDomainSQL, "$1"), domain)
	if err != nil {
		return nil, classifyPG(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SSOConn, error) {
		var c SSOConn
		err := r.Scan(&c.OrgID, &c.ConnectionID, &c.Name, &c.Default)
		return c, err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return out, classifyPG(err)
}
