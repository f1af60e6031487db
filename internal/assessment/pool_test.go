package assessment_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// TestPoolAndStaffViews: a pool draws N of M per attempt; staff page
// through every learner's attempts and see one in progress in full.
func TestPoolAndStaffViews(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sixTypes(t)
	lesson := f.lesson(t, "test", false, nil)
	f.putTest(t, lesson, client.TestSettings{PassingScore: 50, Review: "after_submission", Pool: &client.TestPool{Count: new(3)}, ShuffleQuestions: new(true)})
	c := f.env.Client

	var ids []uuid.UUID
	for range 3 {
		token, _ := f.learner(t)
		a := f.start(t, token, lesson)
		if len(a.Questions) != 3 {
			t.Fatalf("drew %d questions, want 3", len(a.Questions))
		}
		ids = append(ids, a.ID)
		m, _ := c.GetMyTestWithResponse(ctx, f.program, lesson, apitest.Bearer(token))
		if m.JSON200 == nil || m.JSON200.QuestionCount != 3 || m.JSON200.OpenAttemptID == nil || *m.JSON200.OpenAttemptID != a.ID {
			t.Fatalf("my test: %s", m.Body)
		}
	}

	seen := map[uuid.UUID]bool{}
	var cursor *string
	for {
		limit := 2
		l, err := c.ListLessonAttemptsWithResponse(ctx, f.org.ID, f.program, lesson, &client.ListLessonAttemptsParams{Limit: &limit, Cursor: cursor}, f.org.As("director"))
		if err != nil || l.JSON200 == nil {
			t.Fatalf("list: %v %s", err, l.Body)
		}
		for _, a := range l.JSON200.Items {
			seen[a.ID] = true
			if a.Status != "started" || a.Result != nil {
				t.Fatalf("attempt %+v", a)
			}
		}
		if cursor = l.JSON200.NextCursor; cursor == nil {
			break
		}
	}
	if len(seen) != 3 {
		t.Fatalf("pages held %d attempts", len(seen))
	}
	one, _ := c.GetLessonAttemptWithResponse(ctx, f.org.ID, f.program, lesson, ids[0], f.org.As("teacher"))
	if one.JSON200 == nil || len(one.JSON200.Questions) != 3 || one.JSON200.Attempt.Status != "started" {
		t.Fatalf("staff view of an attempt in progress: %d %s", one.StatusCode(), one.Body)
	}
	// The same attempt through another lesson's path is 404.
	other := f.lesson(t, "test", false, nil)
	miss, _ := c.GetLessonAttemptWithResponse(ctx, f.org.ID, f.program, other, ids[0], f.org.As("teacher"))
	apitest.WantProblem(t, miss.HTTPResponse, miss.Body, 404, "not_found")
}
