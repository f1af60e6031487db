package commerce

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// AccessSuspended reports whether userID's access to programID's content
// is suspended because an installment of a live order for it is unpaid
// past its grace period. Paying the part restores access at once (the
// answer is computed, not stored). The learning domain calls it in its
// access decision; pass q bound to the caller's transaction to read there.
func AccessSuspended(ctx context.Context, q *db.Queries, userID, programID uuid.UUID) (bool, error) {
	return accessSuspendedAt(ctx, q, userID, programID, time.Now())
}

func accessSuspendedAt(ctx context.Context, q *db.Queries, userID, programID uuid.UUID, now time.Time) (bool, error) {
	ok, err := q.AccessSuspended(ctx, db.AccessSuspendedParams{UserID: userID, ProgramID: programID, Today: day(now)})
	if err != nil {
		return false, fmt.Errorf("access suspended: %w", err)
	}
	return ok, nil
}

// PaidInFull reports whether userID owes nothing for programID: the program
// is free, or an order of the user for it is paid in full. The completion
// requirements (learning.Verdict) include it.
func PaidInFull(ctx context.Context, q *db.Queries, userID, programID uuid.UUID) (bool, error) {
	ok, err := q.PaidInFull(ctx, db.PaidInFullParams{UserID: userID, ProgramID: programID})
	if err != nil {
		return false, fmt.Errorf("paid in full: %w", err)
	}
	return ok, nil
}
