package emulator

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"strings"
)

// Backend organization create and delete (Organizations.Create / Organizations.Delete).

var errNameMissing = newAPIError(400, "organization_name_missing", "organization_name is required.")

// POST /v1/b2b/organizations
// Creates no member and no session. Without organization_slug (required in v16, optional in
// the newer API) the slug is derived from the name.
func (e *Emulator) orgCreate(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	var req orgSettings
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if req.OrganizationName == nil || strings.TrimSpace(*req.OrganizationName) == "" {
		return nil, errNameMissing
	}
	now := e.now()
	if req.OrganizationSlug == nil {
		slug, err := slugFromName(ctx, tx, *req.OrganizationName)
		if err != nil {
			return nil, err
		}
		req.OrganizationSlug = &slug
	}
	o := newOrganizationFor(&req, now)
	if err := req.apply(o); err != nil {
		return nil, err
	}
	if err := checkSlugFree(ctx, tx, o); err != nil {
		return nil, err
	}
	if err := saveOrg(ctx, tx, o, now); err != nil {
		return nil, err
	}
	return map[string]any{"organization": o}, nil
}

// slugFromName lower-cases name, replaces other characters with "-" and adds "-2", "-3", …
// until the slug is free.
func slugFromName(ctx context.Context, q querier, name string) (string, error) {
	base := strings.Trim(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '~':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, name), "-._~")
	if !validSlug(base) {
		base = strings.TrimRight("org-"+base, "-")
	}
	for i, slug := 2, base; ; i++ {
		taken, err := slugTaken(ctx, q, slug, "")
		if err != nil || !taken {
			return slug, err
		}
		slug = base + "-" + strconv.Itoa(i)
	}
}

// DELETE /v1/b2b/organizations/{organization_id}
// Deletes the organization with its members, their sessions and its pending magic links.
func (e *Emulator) orgDelete(ctx context.Context, tx *sql.Tx, r *http.Request) (map[string]any, error) {
	o, err := getOrg(ctx, tx, r.PathValue("organization_id"))
	if err != nil {
		return nil, err
	}
	caller, err := e.caller(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	if err := e.authorize(caller, o, resOrganization, "delete"); err != nil {
		return nil, err
	}
	if err := deleteOrg(ctx, tx, o.OrganizationID, e.now()); err != nil {
		return nil, err
	}
	return map[string]any{"organization_id": o.OrganizationID}, nil
}
