package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/seed"
)

// The demo learning content loads twice without change; the demo learner
// studies three programs and can open the first one's content and file.
func TestDemoLearning(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	hasher, err := auth.NewHasher(env.Config.Argon2, 2)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.Open(ctx, env.Config.Blob.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	if err := seed.Demo(ctx, env.Pool, hasher); err != nil {
		t.Fatal(err)
	}
	if err := seed.Catalog(ctx, env.Pool, blobs, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := seed.DemoApplications(ctx, env.Pool, hasher); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := seed.DemoLearning(ctx, env.Pool, blobs, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if n := apitest.CountRows(t, env, "lessons"); n != 16 {
		t.Fatalf("%d lessons, want 16", n)
	}
	res := apitest.Login(t, env, "learner@demo.kabinet.test", seed.DemoPassword, false)
	if res.JSON200 == nil {
		t.Fatalf("login: %s", res.Body)
	}
	learner := apitest.Bearer(res.JSON200.AccessToken)
	mine, _ := env.Client.ListMyLearningProgramsWithResponse(ctx, &client.ListMyLearningProgramsParams{}, learner)
	if mine.JSON200 == nil || len(mine.JSON200.Items) != 3 {
		t.Fatalf("my programs: %s", mine.Body)
	}
	var fgos client.MyLearningProgram
	for _, p := range mine.JSON200.Items {
		if p.Progress.CompletedLessons == 2 {
			fgos = p
		}
	}
	if fgos.ProgramID == [16]byte{} || fgos.Progress.TotalLessons != 8 {
		t.Fatalf("progress of the first program: %+v", mine.JSON200.Items)
	}
	toc, _ := env.Client.GetMyProgramContentsWithResponse(ctx, fgos.ProgramID, learner)
	if toc.JSON200 == nil || len(toc.JSON200.Modules) != 3 {
		t.Fatalf("toc: %s", toc.Body)
	}
	file := toc.JSON200.Modules[0].Lessons[2]
	dl, _ := env.Client.DownloadMyLessonFileWithResponse(ctx, fgos.ProgramID, file.ID, &client.DownloadMyLessonFileParams{}, learner)
	if dl.StatusCode() != 200 || dl.HTTPResponse.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("file: %d %v", dl.StatusCode(), dl.HTTPResponse.Header)
	}
}
