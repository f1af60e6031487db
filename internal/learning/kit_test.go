package learning_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

var bg = context.Background()

// staffOrg is an organization with one member per role.
func staffOrg(t *testing.T, env *apitest.Env) apitest.StaffOrg {
	t.Helper()
	return apitest.NewStaffOrg(t, env, "lc-"+apitest.Itoa(apitest.Seq.Add(1))+"-"+apitest.Itoa(time.Now().UnixNano()%1_000_000))
}

func newModule(t *testing.T, env *apitest.Env, org apitest.StaffOrg, programID uuid.UUID, title string) client.LearningModule {
	t.Helper()
	res, err := env.Client.CreateModuleWithResponse(bg, org.ID, programID, client.LearningModuleCreate{Title: title}, org.As("manager"))
	if err != nil || res.JSON201 == nil {
		t.Fatalf("create module: %v %s", err, res.Body)
	}
	return *res.JSON201
}

func newLesson(t *testing.T, env *apitest.Env, org apitest.StaffOrg, programID uuid.UUID, body client.LessonCreate) client.Lesson {
	t.Helper()
	res, err := env.Client.CreateLessonWithResponse(bg, org.ID, programID, body, org.As("teacher"))
	if err != nil || res.JSON201 == nil {
		t.Fatalf("create lesson: %v %d %s", err, res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

func textLesson(moduleID uuid.UUID, title string) client.LessonCreate {
	md := "## " + title + "\n\nТекст урока.<script>alert(1)</script>"
	return client.LessonCreate{ModuleID: moduleID, Kind: client.LessonKindText, Title: title, BodyMd: &md}
}

func ptr[T any](v T) *T { return &v }

func etag(v int) *string { return ptr(`"v` + apitest.Itoa(int64(v)) + `"`) }

func wantStatus(t *testing.T, got int, body []byte, want int) {
	t.Helper()
	if got != want {
		t.Fatalf("status %d, want %d: %s", got, want, body)
	}
}

// countJobs counts River jobs of a kind.
func countJobs(t *testing.T, env *apitest.Env, kind string) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(bg, `SELECT count(*) FROM river_job WHERE kind = $1`, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
