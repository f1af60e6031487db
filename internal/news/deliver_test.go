package news_test

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/news"
)

// studyingLearner registers a learner of o with an approved application to
// a new program of o (made with SQL: the catalog and enrollment flows have
// their own tests) and returns the learner and the program.
func studyingLearner(t *testing.T, env *apitest.Env, o apitest.StaffOrg, slug string) (*client.AuthResponse, uuid.UUID) {
	t.Helper()
	acc := apitest.Register(t, env, apitest.NewAccount())
	apitest.AddMember(t, env, o.ID, acc.User.ID, "learner")
	var program, group uuid.UUID
	err := env.Pool.QueryRow(ctx, `INSERT INTO programs (organization_id, slug, title, kind, completion_document, academic_hours, format, price_minor)
		VALUES ($1, $2, 'Курс', 'course', 'certificate', 16, 'online', 0) RETURNING id`, o.ID, slug).Scan(&program)
	if err != nil {
		t.Fatal(err)
	}
	err = env.Pool.QueryRow(ctx, `INSERT INTO study_groups (organization_id, program_id, code, starts_on, ends_on, status)
		VALUES ($1, $2, 'G1', current_date, current_date + 30, 'running') RETURNING id`, o.ID, program).Scan(&group)
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.Pool.Exec(ctx, `INSERT INTO applications (organization_id, program_id, group_id, user_id, status, last_name, first_name, waiting_since, submitted_at, decided_at)
		VALUES ($1, $2, $3, $4, 'approved', 'Иванова', 'Анна', now(), now(), now())`, o.ID, program, group, acc.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	return acc, program
}

func memberTitles(t *testing.T, env *apitest.Env, o apitest.StaffOrg, token string) []string {
	t.Helper()
	res, err := env.Client.ListMemberNewsWithResponse(ctx, o.ID, &client.ListMemberNewsParams{}, apitest.Bearer(token))
	if err != nil || res.JSON200 == nil {
		t.Fatalf("member news: %v %s", err, res.Body)
	}
	var out []string
	for _, n := range res.JSON200.Items {
		out = append(out, n.Title)
	}
	return out
}

func newsNotifications(t *testing.T, env *apitest.Env, user uuid.UUID, newsID uuid.UUID) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND category = 'news' AND link_id = $2`,
		user, newsID.String()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// workNews runs the news delivery worker over env's database until the
// test ends.
func workNews(t *testing.T, env *apitest.Env) {
	t.Helper()
	apitest.WorkJobs(t, env, func(reg *jobs.Registry, log *slog.Logger) error {
		return news.Register(reg, env.Config, env.Pool, log)
	})
}

func TestNewsForProgramsAndDelivery(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	studying, program := studyingLearner(t, env, o, "pedagogy")
	other := o.Members["learner"] // a learner of the organization, not of the program
	past := time.Now().UTC().Add(-time.Minute)

	// Items for programs are members-only, and the programs must be the
	// organization's.
	for _, tc := range []struct {
		audience client.ContentAudience
		programs []uuid.UUID
		code     string
	}{
		{"public", []uuid.UUID{program}, "public_item"},
		{"members", []uuid.UUID{uuid.New()}, "unknown_program"},
	} {
		res, err := env.Client.CreateNewsItemWithResponse(ctx, o.ID, client.NewsItemInput{
			Title: "x", Body: "x", Audience: tc.audience, ProgramIds: &tc.programs,
		}, o.As("manager"))
		if err != nil {
			t.Fatal(err)
		}
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
		if p.Errors == nil || len(*p.Errors) != 1 || (*p.Errors)[0].Field != "programIds" || (*p.Errors)[0].Code != tc.code {
			t.Fatalf("%s: %+v", tc.code, p.Errors)
		}
	}

	res, err := env.Client.CreateNewsItemWithResponse(ctx, o.ID, client.NewsItemInput{
		Title: "Вебинар для слушателей курса", Body: "Завтра в 18:00", Audience: "members",
		ProgramIds: &[]uuid.UUID{program}, PublishedAt: &past,
	}, o.As("manager"))
	if err != nil || res.JSON201 == nil {
		t.Fatalf("create: %v %s", err, res.Body)
	}
	item := res.JSON201
	if len(item.ProgramIds) != 1 || item.ProgramIds[0] != program {
		t.Fatalf("programIds = %v", item.ProgramIds)
	}
	everyone := write(t, env, o, "Новости центра", "members", &past)

	// Visibility: the studying learner and staff see it, another learner not.
	if got := memberTitles(t, env, o, studying.AccessToken); len(got) != 2 {
		t.Fatalf("studying learner sees %q", got)
	}
	if got := memberTitles(t, env, o, other.AccessToken); len(got) != 1 || got[0] != "Новости центра" {
		t.Fatalf("other learner sees %q", got)
	}
	if got := memberTitles(t, env, o, o.Members["teacher"].AccessToken); len(got) != 2 {
		t.Fatalf("staff see %q", got)
	}

	// Delivery: each reader is told once, in the inbox.
	workNews(t, env)
	apitest.Eventually(t, "news delivered", func() bool {
		return newsNotifications(t, env, studying.User.ID, item.ID) == 1 && newsNotifications(t, env, other.User.ID, everyone.ID) == 1
	})
	if n := newsNotifications(t, env, other.User.ID, item.ID); n != 0 {
		t.Fatalf("a learner of another program was told %d times", n)
	}
	if n := newsNotifications(t, env, o.User("teacher"), item.ID); n != 1 {
		t.Fatalf("staff told %d times", n)
	}

	// Saving the item again (a new job for the same publication) tells
	// nobody twice.
	up, err := env.Client.UpdateNewsItemWithResponse(ctx, o.ID, item.ID, client.NewsItemInput{
		Title: item.Title, Body: item.Body, Audience: "members", ProgramIds: &item.ProgramIds, PublishedAt: &past,
	}, o.As("manager"))
	if err != nil || up.JSON200 == nil {
		t.Fatalf("update: %v %s", err, up.Body)
	}
	apitest.Eventually(t, "second job done", func() bool {
		var left int
		_ = env.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'news_deliver' AND state NOT IN ('completed')`).Scan(&left)
		return left == 0
	})
	if n := newsNotifications(t, env, studying.User.ID, item.ID); n != 1 {
		t.Fatalf("told %d times after a second job", n)
	}

	// A scheduled item is told at its time, not before.
	later := time.Now().UTC().Add(time.Hour)
	sched := write(t, env, o, "Скоро", "members", &later)
	var scheduled int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'news_deliver' AND state = 'scheduled' AND args->>'news_id' = $1`,
		sched.ID.String()).Scan(&scheduled); err != nil || scheduled != 1 {
		t.Fatalf("scheduled jobs %d (%v)", scheduled, err)
	}
	if n := newsNotifications(t, env, other.User.ID, sched.ID); n != 0 {
		t.Fatalf("told before its time: %d", n)
	}
}
