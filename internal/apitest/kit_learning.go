package apitest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
)

// Course is a published program of an organization with the organization's
// teacher assigned to it and a running group that learners are admitted to
// (the learning domain's fixture).
type Course struct {
	ProgramID, GroupID uuid.UUID
}

// NewCourse makes a published program of org (price in kopecks, 0: free)
// taught by org's teacher, with a group that started a week ago and is
// running. The catalog's own API path is long (card requisites,
// publication, group status moves), so the rows are made with SQL.
func NewCourse(t *testing.T, env *Env, org StaffOrg, price int64) Course {
	t.Helper()
	ctx := context.Background()
	var c Course
	slug := "course-" + Itoa(Seq.Add(1)) + "-" + Itoa(time.Now().UnixNano()%1_000_000)
	if err := env.Pool.QueryRow(ctx, `
		INSERT INTO programs (organization_id, slug, title, kind, completion_document, academic_hours, format,
		                      price_minor, currency, status, published_at, required_documents, tags)
		VALUES ($1, $2, $3, 'course', 'certificate', 36, 'online', $4, 'RUB', 'published', now(), '{}', '{}')
		RETURNING id`, org.ID, slug, "Курс "+slug, price).Scan(&c.ProgramID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `INSERT INTO program_teachers (organization_id, program_id, user_id) VALUES ($1, $2, $3)`,
		org.ID, c.ProgramID, org.User("teacher")); err != nil {
		t.Fatal(err)
	}
	if err := env.Pool.QueryRow(ctx, `
		INSERT INTO study_groups (organization_id, program_id, code, title, starts_on, ends_on, enrollment_opens_at, capacity, status)
		VALUES ($1, $2, $3, 'Поток', current_date - 7, current_date + 60, now() - interval '30 days', 0, 'enrolling')
		RETURNING id`, org.ID, c.ProgramID, "G-"+slug).Scan(&c.GroupID); err != nil {
		t.Fatal(err)
	}
	return c
}

// Admit registers a new account, applies to the course's group, submits
// and has org's manager approve it through the enrollment API; the group
// is then set running (SQL), so the learner has access to the content.
func Admit(t *testing.T, env *Env, org StaffOrg, c Course) *client.AuthResponse {
	t.Helper()
	ctx := context.Background()
	if _, err := env.Pool.Exec(ctx, `UPDATE study_groups SET status = 'enrolling' WHERE id = $1`, c.GroupID); err != nil {
		t.Fatal(err)
	}
	acc := Register(t, env, NewAccount())
	app, err := env.Client.CreateApplicationWithResponse(ctx, client.CreateApplicationRequest{GroupID: c.GroupID}, Bearer(acc.AccessToken))
	if err != nil || app.JSON201 == nil {
		t.Fatalf("apply: %v %s", err, app.Body)
	}
	sub, err := env.Client.SubmitApplicationWithResponse(ctx, app.JSON201.ID, client.SubmitApplicationRequest{PersonalDataConsent: true}, Bearer(acc.AccessToken))
	if err != nil || sub.JSON200 == nil {
		t.Fatalf("submit: %v %s", err, sub.Body)
	}
	ok, err := env.Client.ApproveApplicationWithResponse(ctx, org.ID, app.JSON201.ID, client.OptionalReasonRequest{}, org.As("manager"))
	if err != nil || ok.JSON200 == nil || ok.JSON200.Status != "approved" {
		t.Fatalf("approve: %v %s", err, ok.Body)
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE study_groups SET status = 'running' WHERE id = $1`, c.GroupID); err != nil {
		t.Fatal(err)
	}
	return acc
}

// Learner is the learning fixture in one call: a free course of org
// (NewCourse) and a learner admitted to its running group (Admit).
func Learner(t *testing.T, env *Env, org StaffOrg) (programID, groupID uuid.UUID, learner *client.AuthResponse) {
	t.Helper()
	c := NewCourse(t, env, org, 0)
	return c.ProgramID, c.GroupID, Admit(t, env, org, c)
}

// OverdueInstallment gives userID an order in progress for the course with
// a first part paid and a second one unpaid past its grace period (SQL: the
// commerce API path is long), which suspends access to the content; it
// returns the order's id for PayInstallments.
func OverdueInstallment(t *testing.T, env *Env, org StaffOrg, c Course, userID uuid.UUID) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	var orderID, appID uuid.UUID
	if err := env.Pool.QueryRow(ctx, `SELECT id FROM applications WHERE user_id = $1 AND group_id = $2 AND status = 'approved'`,
		userID, c.GroupID).Scan(&appID); err != nil {
		t.Fatal(err)
	}
	if err := env.Pool.QueryRow(ctx, `
		INSERT INTO orders (organization_id, user_id, status, currency, subtotal, total, paid)
		VALUES ($1, $2, 'in_progress', 'RUB', 1000000, 1000000, 500000) RETURNING id`, org.ID, userID).Scan(&orderID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `
		INSERT INTO order_lines (order_id, line_no, application_id, program_id, group_id, title, price)
		VALUES ($1, 1, $2, $3, $4, 'Курс', 1000000)`, orderID, appID, c.ProgramID, c.GroupID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `
		INSERT INTO order_installments (order_id, number, amount, due_on, grace_ends, paid_at) VALUES
		($1, 1, 500000, current_date - 40, current_date - 35, now() - interval '40 days'),
		($1, 2, 500000, current_date - 10, current_date - 5, NULL)`, orderID); err != nil {
		t.Fatal(err)
	}
	return orderID
}

// PayInstallments marks every part of the order paid and the order paid
// (SQL), which restores access at once.
func PayInstallments(t *testing.T, env *Env, orderID uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	if _, err := env.Pool.Exec(ctx, `UPDATE order_installments SET paid_at = now() WHERE order_id = $1 AND paid_at IS NULL`, orderID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE orders SET status = 'paid', paid = total WHERE id = $1`, orderID); err != nil {
		t.Fatal(err)
	}
}
