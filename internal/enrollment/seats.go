package enrollment

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// outcome is what an attempt to approve came to.
type outcome int

const (
	seated     outcome = iota // approved, a seat taken
	waitlisted                // the group is full: on the waiting list
	full                      // the group is full and the application was already waiting
	shut                      // the group does not take applications now
)

// approve tries to approve a (locked by the caller's transaction) at now.
// The seat is taken by TakeGroupSeat, whose one conditional UPDATE checks
// the group's status, window and free seats and increments the count, so
// two approvals racing for the last seat cannot both get it: the second
// waits for the first's row lock, then finds no seat. Without a seat the
// application joins the waiting list. actor nil: the system (automatic
// approval, promotion).
func (s *Handler) approve(ctx context.Context, q txn, a db.Application, actor *uuid.UUID, reason *string, event string) (db.Application, outcome, error) {
	now := s.Now()
	_, err := q.TakeGroupSeat(ctx, db.TakeGroupSeatParams{OrganizationID: a.OrganizationID, ID: a.GroupID, Now: now})
	switch {
	case err == nil:
		prev := a.Status
		a, err = q.SetApplicationStatus(ctx, db.SetApplicationStatusParams{ID: a.ID, Status: db.ApplicationStatusApproved, Now: now})
		if err != nil {
			return a, 0, err
		}
		if err := addEvent(ctx, q.Queries, a.ID, event, actor, &prev, a.Status, reason, false); err != nil {
			return a, 0, err
		}
		return a, seated, s.tellDecision(ctx, q, a, reason)
	case !errors.Is(err, pgx.ErrNoRows):
		return a, 0, err
	}
	g, err := q.GetGroup(ctx, db.GetGroupParams{OrganizationID: a.OrganizationID, ID: a.GroupID})
	if err != nil {
		return a, 0, err
	}
	if !enrollmentOpen(g, now) {
		return a, shut, nil
	}
	if a.Status == db.ApplicationStatusWaitlisted {
		return a, full, nil
	}
	prev := a.Status
	a, err = q.SetApplicationStatus(ctx, db.SetApplicationStatusParams{ID: a.ID, Status: db.ApplicationStatusWaitlisted, Now: now})
	if err != nil {
		return a, 0, err
	}
	if err := addEvent(ctx, q.Queries, a.ID, "waitlisted", actor, &prev, a.Status, reason, false); err != nil {
		return a, 0, err
	}
	return a, waitlisted, s.tellDecision(ctx, q, a, reason)
}

// releaseSeat gives the seat of an approved application back to its group
// and approves the first application on the group's waiting list in its
// place, when the group still takes applications. An application locked by
// a concurrent transaction (being withdrawn or decided right now) is passed
// over, so that two transactions never wait on each other.
func (s *Handler) releaseSeat(ctx context.Context, q txn, a db.Application) error {
	if _, err := q.ReleaseGroupSeat(ctx, db.ReleaseGroupSeatParams{OrganizationID: a.OrganizationID, ID: a.GroupID}); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	next, err := q.LockWaitlistHead(ctx, a.GroupID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	_, _, err = s.approve(ctx, q, next, nil, nil, "promoted")
	return err
}
