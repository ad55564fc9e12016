package handlers

import (
	"context"
	"time"
)

// LastOrgs remembers which organization each email entered last (store.Store implements it).
type LastOrgs interface {
	LastOrg(ctx context.Context, email string) (string, error)
	SetLastOrg(ctx context.Context, email, orgID string, at time.Time) error
}
