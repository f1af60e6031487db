package learning_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestGroupProgressTableAndCSV(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	org := staffOrg(t, env)
	c := apitest.NewCourse(t, env, org, 0)
	m := newModule(t, env, org, c.ProgramID, "Модуль")
	a := newLesson(t, env, org, c.ProgramID, textLesson(m.ID, "Первый"))
	opt := textLesson(m.ID, "=HYPERLINK(\"x\")")
	opt.Mandatory = ptr(false)
	b := newLesson(t, env, org, c.ProgramID, opt)
	learners := []*client.AuthResponse{apitest.Admit(t, env, org, c), apitest.Admit(t, env, org, c), apitest.Admit(t, env, org, c)}
	// Distinct names, as in their applications.
	for i, name := range []string{"Борисова", "Алексеева", "Васильева"} {
		if _, err := env.Pool.Exec(bg, `UPDATE applications SET last_name = $1 WHERE user_id = $2`, name, learners[i].User.ID); err != nil {
			t.Fatal(err)
		}
	}
	complete := func(l *client.AuthResponse, lesson client.Lesson) {
		t.Helper()
		res, err := env.Client.CompleteMyLessonWithResponse(bg, c.ProgramID, lesson.ID, apitest.Bearer(l.AccessToken))
		if err != nil || res.JSON200 == nil {
			t.Fatalf("complete: %v %s", err, res.Body)
		}
	}
	complete(learners[0], a)
	complete(learners[0], b)
	complete(learners[1], b)

	all := []client.GroupProgressRow{}
	var cursor *string
	for {
		res, err := env.Client.GetGroupProgressWithResponse(bg, org.ID, c.ProgramID, c.GroupID, &client.GetGroupProgressParams{Limit: ptr(2), Cursor: cursor}, org.As("teacher"))
		if err != nil || res.JSON200 == nil {
			t.Fatalf("progress: %v %s", err, res.Body)
		}
		all = append(all, res.JSON200.Items...)
		if cursor = res.JSON200.NextCursor; cursor == nil {
			break
		}
	}
	if len(all) != 3 || all[0].LastName != "Алексеева" || all[1].LastName != "Борисова" || all[2].LastName != "Васильева" {
		t.Fatalf("rows %+v", all)
	}
	bor := all[1]
	if bor.CompletedLessons != 2 || bor.Percent != 100 || bor.MandatoryDone != 1 || bor.MandatoryTotal != 1 || !bor.Met || !bor.PaidInFull ||
		len(bor.CompletedLessonIds) != 2 || bor.LastActivityAt == nil {
		t.Fatalf("Борисова %+v", bor)
	}
	if all[0].Met || all[0].Percent != 50 || all[2].CompletedLessons != 0 || all[2].LastActivityAt != nil {
		t.Fatalf("others %+v %+v", all[0], all[2])
	}
	met, _ := env.Client.GetGroupProgressWithResponse(bg, org.ID, c.ProgramID, c.GroupID, &client.GetGroupProgressParams{Met: ptr(true)}, org.As("manager"))
	if met.JSON200 == nil || len(met.JSON200.Items) != 1 || met.JSON200.Items[0].UserID != learners[0].User.ID {
		t.Fatalf("met: %s", met.Body)
	}
	notMet, _ := env.Client.GetGroupProgressWithResponse(bg, org.ID, c.ProgramID, c.GroupID, &client.GetGroupProgressParams{Met: ptr(false)}, org.As("manager"))
	if notMet.JSON200 == nil || len(notMet.JSON200.Items) != 2 {
		t.Fatalf("not met: %s", notMet.Body)
	}

	exp, err := env.Client.ExportGroupProgressWithResponse(bg, org.ID, c.ProgramID, c.GroupID, org.As("manager"))
	if err != nil || exp.StatusCode() != 200 {
		t.Fatalf("csv: %v %d %s", err, exp.StatusCode(), exp.Body)
	}
	if ct := exp.HTTPResponse.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	if cd := exp.HTTPResponse.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "filename*=UTF-8''") {
		t.Fatalf("disposition %q", cd)
	}
	if !bytes.HasPrefix(exp.Body, []byte("\ufeff")) {
		t.Fatal("no byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(exp.Body, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || recs[0][0] != "Слушатель" || len(recs[0]) != 11 || recs[0][10] != `'=HYPERLINK("x")` {
		t.Fatalf("csv header %v (%d lines)", recs[0], len(recs))
	}
	if !strings.HasPrefix(recs[2][0], "Борисова ") || recs[2][2] != "2" || recs[2][4] != "100" || recs[2][9] == "" || recs[3][2] != "0" {
		t.Fatalf("csv rows %v", recs[1:])
	}
	if n := apitest.CountAudit(t, env, "learning_progress_exported", org.ID, nil); n != 1 {
		t.Fatalf("audit %d", n)
	}
	// A teacher of another program, another organization's group, other roles.
	other := apitest.NewCourse(t, env, org, 0)
	if _, err := env.Pool.Exec(bg, `DELETE FROM program_teachers WHERE program_id = $1`, c.ProgramID); err != nil {
		t.Fatal(err)
	}
	res, _ := env.Client.GetGroupProgressWithResponse(bg, org.ID, c.ProgramID, c.GroupID, &client.GetGroupProgressParams{}, org.As("teacher"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusNotFound, "not_found")
	ex, _ := env.Client.ExportGroupProgressWithResponse(bg, org.ID, c.ProgramID, c.GroupID, org.As("teacher"))
	apitest.WantProblem(t, ex.HTTPResponse, ex.Body, http.StatusNotFound, "not_found")
	res, _ = env.Client.GetGroupProgressWithResponse(bg, org.ID, other.ProgramID, c.GroupID, &client.GetGroupProgressParams{}, org.As("manager"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusNotFound, "not_found")
	res, _ = env.Client.GetGroupProgressWithResponse(bg, org.ID, c.ProgramID, c.GroupID, &client.GetGroupProgressParams{}, org.As("learner"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusForbidden, "forbidden")
	outsider := staffOrg(t, env)
	res, _ = env.Client.GetGroupProgressWithResponse(bg, org.ID, c.ProgramID, c.GroupID, &client.GetGroupProgressParams{}, outsider.As("admin"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusNotFound, "not_found")
	res, _ = env.Client.GetGroupProgressWithResponse(bg, org.ID, c.ProgramID, c.GroupID, &client.GetGroupProgressParams{Cursor: ptr("!!")}, org.As("manager"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusUnprocessableEntity, "validation_failed")

	// A completed lesson cannot be deleted, nor its module.
	del, _ := env.Client.DeleteLessonWithResponse(bg, org.ID, c.ProgramID, a.ID, &client.DeleteLessonParams{IfMatch: etag(1)}, org.As("manager"))
	apitest.WantProblem(t, del.HTTPResponse, del.Body, http.StatusConflict, "has_completions")
	dm, _ := env.Client.DeleteModuleWithResponse(bg, org.ID, c.ProgramID, m.ID, &client.DeleteModuleParams{IfMatch: etag(1)}, org.As("manager"))
	apitest.WantProblem(t, dm.HTTPResponse, dm.Body, http.StatusConflict, "has_completions")
}
