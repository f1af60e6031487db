package seed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/completion"
	"github.com/kabinet-edu/kabinet/internal/learning"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// demoCompletedProgram is the demo program the demo learner has finished.
const demoCompletedProgram = "psihologiya-obucheniya"

// DemoCompletion makes the demo learner a graduate of the program
// "psihologiya-obucheniya" (run it after DemoLearning and DemoOrders): the
// program is paid in full through a sandbox order, every lesson completed,
// and its completion document issued by iss — a real PDF, registration
// number and signed credential. Idempotent: a learner holding a valid
// document of the program is left alone.
func DemoCompletion(ctx context.Context, pool *pgxpool.Pool, iss *completion.Issuer, now time.Time) error {
	q := db.New(pool)
	org, err := q.GetOrganizationBySlug(ctx, DemoOrgSlug)
	if err != nil {
		return fmt.Errorf("demo organization: %w", err)
	}
	prog, err := q.GetProgramBySlug(ctx, db.GetProgramBySlugParams{OrganizationID: org.ID, Slug: demoCompletedProgram})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	u, err := q.GetUserByEmail(ctx, DemoUsers[4].Email)
	if err != nil {
		return err
	}
	if _, err := q.GetValidCompletionDocument(ctx, db.GetValidCompletionDocumentParams{UserID: u.ID, ProgramID: prog.ID}); err == nil {
		return nil
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	appID, err := q.LatestApprovedApplication(ctx, db.LatestApprovedApplicationParams{UserID: u.ID, ProgramID: prog.ID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // not admitted (run DemoLearning first)
	}
	if err != nil {
		return err
	}
	if err := demoPaidOrder(ctx, pool, u, prog, appID); err != nil {
		return fmt.Errorf("demo paid order: %w", err)
	}
	rows, err := q.ProgramLessonsInOrder(ctx, prog.ID)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for i, r := range rows {
			at := now.AddDate(0, 0, i-len(rows)-1)
			if _, err := learning.CompleteLesson(ctx, tx, nil, u.ID, prog.ID, r.ID, learning.SourceManual, at); err != nil {
				return err
			}
		}
		if len(rows) == 0 {
			return nil
		}
		last := rows[len(rows)-1].ID
		return db.New(tx).TouchLearningProgress(ctx, db.TouchLearningProgressParams{UserID: u.ID, ProgramID: prog.ID, At: now.AddDate(0, 0, -1), LessonID: &last})
	})
	if err != nil {
		return err
	}
	if _, err := iss.Issue(ctx, completion.Request{ApplicationID: appID}); err != nil {
		return fmt.Errorf("demo completion document: %w", err)
	}
	return nil
}

// demoPaidOrder pays for prog in full through the sandbox unless u has
// paid for it already.
func demoPaidOrder(ctx context.Context, pool *pgxpool.Pool, u db.User, prog db.Program, appID uuid.UUID) error {
	return store.InTx(ctx, pool, func(q *db.Queries) error {
		paid, err := q.PaidInFull(ctx, db.PaidInFullParams{UserID: u.ID, ProgramID: prog.ID})
		if err != nil || paid {
			return err
		}
		src, err := q.GetCompletionSource(ctx, appID)
		if err != nil {
			return err
		}
		app := src.Application
		o, err := q.CreateOrder(ctx, db.CreateOrderParams{OrganizationID: prog.OrganizationID, UserID: u.ID, Currency: prog.Currency,
			Subtotal: prog.PriceMinor, Total: prog.PriceMinor, Status: db.OrderStatusAwaitingPayment})
		if err != nil {
			return err
		}
		if err := q.InsertOrderLine(ctx, db.InsertOrderLineParams{OrderID: o.ID, LineNo: 1, ApplicationID: app.ID, ProgramID: prog.ID,
			GroupID: &app.GroupID, Title: prog.Title, Price: prog.PriceMinor}); err != nil {
			return err
		}
		if err := demoEvent(ctx, q, o.ID, &u.ID, "created", nil, o.Status, 0, "learner"); err != nil {
			return err
		}
		return demoPaid(ctx, q, o, u, "full", nil, prog.PriceMinor, prog.Title)
	})
}
