package notifications

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// TEMPORARY until River lands: the outbox worker polls pending rows.
func (m *mailer) deliver(ctx context.Context, tx pgx.Tx, id int64) error { return nil }

func (m *mailer) queue(ctx context.Context, tx pgx.Tx, id uuid.UUID) error { return nil }
