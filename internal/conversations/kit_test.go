package conversations_test

import (
	"context"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// The spec checker of apitest reads downloads of these types as files too.
func init() {
	for _, t := range []string{"image/webp", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} {
		openapi3filter.RegisterBodyDecoder(t, openapi3filter.FileBodyDecoder)
	}
}

// The catalog, enrollment and lesson authoring live in other domains:
// programs, groups, approvals and teachers are made here with SQL.

type course struct {
	org     uuid.UUID
	program uuid.UUID
	group   uuid.UUID
}

// newCourse makes a published program of org with one group in status.
func newCourse(t *testing.T, env *apitest.Env, org uuid.UUID, status string) course {
	t.Helper()
	ctx := context.Background()
	c := course{org: org}
	slug := "conv-" + apitest.Itoa(apitest.Seq.Add(1)) + "-" + apitest.Itoa(time.Now().UnixNano()%1_000_000)
	if err := env.Pool.QueryRow(ctx, `INSERT INTO programs (organization_id, slug, title, kind, completion_document, academic_hours, format, price_minor, status, published_at)
		VALUES ($1, $2, 'Программа '||$2, 'course', 'certificate', 72, 'online', 0, 'published', now()) RETURNING id`, org, slug).Scan(&c.program); err != nil {
		t.Fatal(err)
	}
	if err := env.Pool.QueryRow(ctx, `INSERT INTO study_groups (organization_id, program_id, code, starts_on, ends_on, status)
		VALUES ($1, $2, 'G-'||$3, current_date - 7, current_date + 30, $4) RETURNING id`, org, c.program, slug, status).Scan(&c.group); err != nil {
		t.Fatal(err)
	}
	return c
}

// enroll gives userID an approved application to the course's group.
func enroll(t *testing.T, env *apitest.Env, c course, userID uuid.UUID) {
	t.Helper()
	if _, err := env.Pool.Exec(context.Background(), `INSERT INTO applications
		(organization_id, program_id, group_id, user_id, status, last_name, first_name, waiting_since, submitted_at, decided_at)
		VALUES ($1, $2, $3, $4, 'approved', 'Иванова', 'Анна', now(), now(), now())`, c.org, c.program, c.group, userID); err != nil {
		t.Fatal(err)
	}
}

// teach makes userID (a member of the course's organization) a teacher of it.
func teach(t *testing.T, env *apitest.Env, c course, userID uuid.UUID) {
	t.Helper()
	if _, err := env.Pool.Exec(context.Background(),
		`INSERT INTO program_teachers (organization_id, program_id, user_id) VALUES ($1, $2, $3)`, c.org, c.program, userID); err != nil {
		t.Fatal(err)
	}
}

// student registers a learner enrolled in c and returns the account.
func student(t *testing.T, env *apitest.Env, c course) *client.AuthResponse {
	t.Helper()
	a := apitest.Register(t, env, apitest.NewAccount())
	enroll(t, env, c, a.User.ID)
	return a
}

// setup is an organization with its staff and a running course taught by
// the organization's teacher, with one enrolled learner.
type setup struct {
	o       apitest.StaffOrg
	c       course
	learner *client.AuthResponse
}

func newSetup(t *testing.T, env *apitest.Env, slug string) setup {
	t.Helper()
	o := apitest.NewStaffOrg(t, env, slug+"-"+apitest.Itoa(apitest.Seq.Add(1)))
	c := newCourse(t, env, o.ID, "running")
	teach(t, env, c, o.User("teacher"))
	return setup{o: o, c: c, learner: student(t, env, c)}
}

func (s setup) as() client.RequestEditorFn { return apitest.Bearer(s.learner.AccessToken) }

// say sends a learner's message and returns it.
func say(t *testing.T, env *apitest.Env, s setup, body string, files ...uuid.UUID) client.ConversationMessage {
	t.Helper()
	in := client.ConversationMessageCreate{Body: body}
	if len(files) > 0 {
		in.AttachmentIds = &files
	}
	res, err := env.Client.SendMyProgramConversationMessageWithResponse(context.Background(), s.c.program, in, s.as())
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("send: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

// answer sends a staff message as role and returns it.
func answer(t *testing.T, env *apitest.Env, s setup, conv uuid.UUID, role client.Role, body string) client.ConversationMessage {
	t.Helper()
	res, err := env.Client.SendOrganizationConversationMessageWithResponse(context.Background(), s.o.ID, conv,
		client.ConversationMessageCreate{Body: body}, s.o.As(role))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("answer: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

// notes counts userID's in-app notifications of category message.
func notes(t *testing.T, env *apitest.Env, userID uuid.UUID) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM notifications WHERE user_id = $1 AND category = 'message'`, userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
