package enrollment

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// Seat is what the commerce domain needs of an approved application to
// order it: the program, its group and organization, and the price.
type Seat struct {
	ApplicationID, ProgramID, GroupID, OrganizationID uuid.UUID
	ProgramTitle                                      string
	PriceMinor                                        int64 // kopecks
	Currency                                          string
}

// ApprovedSeat returns the seat of userID's approved application
// applicationID. An application that is not the user's, or not approved
// (any longer), is a wrapped store.ErrNotFound. Pass q bound to the
// caller's transaction to read it there.
func ApprovedSeat(ctx context.Context, q *db.Queries, userID, applicationID uuid.UUID) (Seat, error) {
	r, err := q.ApprovedSeat(ctx, db.ApprovedSeatParams{UserID: userID, ID: applicationID})
	if err != nil {
		return Seat{}, fmt.Errorf("approved application %s: %w", applicationID, store.NotFound(err))
	}
	return Seat{
		ApplicationID: r.ID, ProgramID: r.ProgramID, GroupID: r.GroupID, OrganizationID: r.OrganizationID,
		ProgramTitle: r.Title, PriceMinor: r.PriceMinor, Currency: strings.TrimSpace(r.Currency),
	}, nil
}

// HasAccess reports whether userID studies programID: an approved
// application to one of its groups that is running or finished (the
// learning domain opens the materials by it).
func HasAccess(ctx context.Context, q *db.Queries, userID, programID uuid.UUID) (bool, error) {
	ok, err := q.HasProgramAccess(ctx, db.HasProgramAccessParams{UserID: userID, ProgramID: programID})
	if err != nil {
		return false, fmt.Errorf("program access: %w", err)
	}
	return ok, nil
}
