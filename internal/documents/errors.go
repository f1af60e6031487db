package documents

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// notFoundOr turns "no row" into the 404 that missing makes, and passes any
// other error on.
func notFoundOr(ctx context.Context, err error, missing func(context.Context) error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return missing(ctx)
	}
	return err
}

// uniqueViolation reports whether err is a unique constraint's violation.
func uniqueViolation(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505"
}

var errBadCursor = errors.New("malformed cursor")
