package calendar_test

import (
	"context"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// The spec checker of apitest reads the feed's text/calendar body as text.
func init() { openapi3filter.RegisterBodyDecoder("text/calendar", openapi3filter.FileBodyDecoder) }

// Programs, groups, approvals, lessons and orders belong to other domains;
// they are made here with SQL.

type course struct {
	org, program, group, module uuid.UUID
}

// newCourse makes a published program of org with a group of status
// running from startsIn to endsIn days from today.
func newCourse(t *testing.T, env *apitest.Env, org uuid.UUID, status string, startsIn, endsIn int) course {
	t.Helper()
	ctx := context.Background()
	c := course{org: org}
	slug := "cal-" + apitest.Itoa(apitest.Seq.Add(1)) + "-" + apitest.Itoa(time.Now().UnixNano()%1_000_000)
	if err := env.Pool.QueryRow(ctx, `INSERT INTO programs (organization_id, slug, title, kind, completion_document, academic_hours, format, price_minor, status, published_at)
		VALUES ($1, $2, 'Программа '||$2, 'course', 'certificate', 72, 'online', 3000000, 'published', now()) RETURNING id`, org, slug).Scan(&c.program); err != nil {
		t.Fatal(err)
	}
	if err := env.Pool.QueryRow(ctx, `INSERT INTO study_groups (organization_id, program_id, code, starts_on, ends_on, status)
		VALUES ($1, $2, 'G-'||$3, current_date + $4::int, current_date + $5::int, $6) RETURNING id`,
		org, c.program, slug, startsIn, endsIn, status).Scan(&c.group); err != nil {
		t.Fatal(err)
	}
	if err := env.Pool.QueryRow(ctx, `INSERT INTO learning_modules (organization_id, program_id, position, title)
		VALUES ($1, $2, 1, 'Модуль 1') RETURNING id`, org, c.program).Scan(&c.module); err != nil {
		t.Fatal(err)
	}
	return c
}

// enroll gives userID an approved application to the course's group.
func enroll(t *testing.T, env *apitest.Env, c course, userID uuid.UUID) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := env.Pool.QueryRow(context.Background(), `INSERT INTO applications
		(organization_id, program_id, group_id, user_id, status, last_name, first_name, waiting_since, submitted_at, decided_at)
		VALUES ($1, $2, $3, $4, 'approved', 'Иванова', 'Анна', now(), now(), now()) RETURNING id`, c.org, c.program, c.group, userID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// webinar adds a webinar lesson starting at `at` for minutes.
func webinar(t *testing.T, env *apitest.Env, c course, title string, at time.Time, minutes int) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := env.Pool.QueryRow(context.Background(), `INSERT INTO lessons
		(organization_id, program_id, module_id, position, kind, title, webinar_starts_at, webinar_minutes, webinar_join_url)
		VALUES ($1, $2, $3, (SELECT coalesce(max(position), 0) + 1 FROM lessons WHERE module_id = $3), 'webinar', $4, $5, $6, 'https://meet.example.org/j/42')
		RETURNING id`, c.org, c.program, c.module, title, at, minutes).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// test adds a test lesson due at `due`.
func test(t *testing.T, env *apitest.Env, c course, title string, due time.Time) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := env.Pool.QueryRow(context.Background(), `INSERT INTO lessons
		(organization_id, program_id, module_id, position, kind, title, due_at)
		VALUES ($1, $2, $3, (SELECT coalesce(max(position), 0) + 1 FROM lessons WHERE module_id = $3), 'test', $4, $5)
		RETURNING id`, c.org, c.program, c.module, title, due).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// moveWebinar moves a webinar as the authoring API does: new time, a new
// version, updated_at now.
func moveWebinar(t *testing.T, env *apitest.Env, lesson uuid.UUID, at time.Time) {
	t.Helper()
	if _, err := env.Pool.Exec(context.Background(),
		`UPDATE lessons SET webinar_starts_at = $2, version = version + 1, updated_at = now() WHERE id = $1`, lesson, at); err != nil {
		t.Fatal(err)
	}
}

// order makes an in-progress order of the application with two
// installments: the first paid, the second due in dueIn days.
func order(t *testing.T, env *apitest.Env, c course, userID, application uuid.UUID, dueIn int) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	var id uuid.UUID
	if err := env.Pool.QueryRow(ctx, `INSERT INTO orders (organization_id, user_id, status, currency, subtotal, total, paid)
		VALUES ($1, $2, 'in_progress', 'RUB', 3000000, 3000000, 1500000) RETURNING id`, c.org, userID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `INSERT INTO order_lines (order_id, line_no, application_id, program_id, group_id, title, price)
		VALUES ($1, 1, $2, $3, $4, 'Программа', 3000000)`, id, application, c.program, c.group); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `INSERT INTO order_installments (order_id, number, amount, due_on, grace_ends, paid_at) VALUES
		($1, 1, 1500000, current_date - 20, current_date - 13, now() - interval '20 days'),
		($1, 2, 1500000, current_date + $2::int, current_date + $2::int + 7, NULL)`, id, dueIn); err != nil {
		t.Fatal(err)
	}
	return id
}

func learner(t *testing.T, env *apitest.Env) *client.AuthResponse {
	t.Helper()
	return apitest.Register(t, env, apitest.NewAccount())
}
