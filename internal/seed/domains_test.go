package seed_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/seed"
)

// The demo data of tests, messages, completion documents, the archive and
// news loads twice without change, and the demo accounts find it through
// the API: the learner's failed attempt, an unread reply, an issued
// document whose PDF downloads, upcoming webinars and a test deadline in
// the calendar, a calendar feed, program news; the teacher's shared
// regulation.
func TestDemoDomains(t *testing.T) {
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
	svc, err := seed.NewServices(env.Config, env.Pool, blobs, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := seed.Demo(ctx, env.Pool, hasher); err != nil {
		t.Fatal(err)
	}
	if err := seed.Catalog(ctx, env.Pool, blobs, now); err != nil {
		t.Fatal(err)
	}
	if err := seed.DemoApplications(ctx, env.Pool, hasher); err != nil {
		t.Fatal(err)
	}
	if err := seed.DemoLearning(ctx, env.Pool, blobs, now); err != nil {
		t.Fatal(err)
	}
	if err := seed.DemoOrders(ctx, env.Pool); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := seed.DemoDomains(ctx, env.Pool, blobs, svc, now); err != nil {
			t.Fatal(err)
		}
	}
	for table, want := range map[string]int{
		"assessment_questions": 8, "assessment_tests": 1, "assessment_attempts": 1, "conversations": 1,
		"conversation_messages": 4, "issued_documents": 1, "document_folders": 2, "document_grants": 1, "news_items": 2,
	} {
		if n := apitest.CountRows(t, env, table); n != want {
			t.Errorf("%d rows in %s, want %d", n, table, want)
		}
	}
	count := func(sql string) int {
		var n int
		if err := env.Pool.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM river_job WHERE kind = 'news_deliver'`); n != 2 {
		t.Errorf("%d news deliveries enqueued, want 2", n)
	}
	if n := count(`SELECT count(*) FROM documents WHERE folder_id IS NOT NULL`); n != 3 {
		t.Errorf("%d demo archive documents, want 3", n)
	}
	if n := count(`SELECT count(*) FROM document_versions v JOIN documents d ON d.id = v.document_id WHERE d.folder_id IS NOT NULL`); n != 4 {
		t.Errorf("%d versions of the demo archive documents, want 4", n)
	}
	if n := count(`SELECT count(*) FROM assessment_attempts WHERE status = 'submitted' AND passed = false AND percent BETWEEN 60 AND 70`); n != 1 {
		t.Errorf("the demo attempt is not a failed one just below 70 %%")
	}

	login := apitest.Login(t, env, "learner@demo.kabinet.test", seed.DemoPassword, false)
	if login.JSON200 == nil {
		t.Fatalf("login: %s", login.Body)
	}
	learner := apitest.Bearer(login.JSON200.AccessToken)
	var programID, lessonID uuid.UUID
	if err := env.Pool.QueryRow(ctx, `SELECT program_id, lesson_id FROM assessment_tests`).Scan(&programID, &lessonID); err != nil {
		t.Fatal(err)
	}
	test, _ := env.Client.GetMyTestWithResponse(ctx, programID, lessonID, learner)
	if test.JSON200 == nil || len(test.JSON200.Attempts) != 1 || test.JSON200.AttemptsLeft == nil || *test.JSON200.AttemptsLeft != 1 {
		t.Fatalf("my test: %d %s", test.StatusCode(), test.Body)
	}
	review, _ := env.Client.GetAttemptReviewWithResponse(ctx, test.JSON200.Attempts[0].ID, learner)
	if review.JSON200 == nil {
		t.Fatalf("review of the attempt: %d %s", review.StatusCode(), review.Body)
	}
	convs, _ := env.Client.ListMyConversationsWithResponse(ctx, &client.ListMyConversationsParams{}, learner)
	if convs.JSON200 == nil || len(convs.JSON200.Items) != 1 || convs.JSON200.Items[0].Unread != 1 || convs.JSON200.Items[0].MessageCount != 4 {
		t.Fatalf("my conversations: %s", convs.Body)
	}
	docs, _ := env.Client.ListMyCompletionDocumentsWithResponse(ctx, &client.ListMyCompletionDocumentsParams{}, learner)
	if docs.JSON200 == nil || len(docs.JSON200.Items) != 1 {
		t.Fatalf("my completion documents: %s", docs.Body)
	}
	pdf, _ := env.Client.DownloadMyCompletionDocumentPdfWithResponse(ctx, docs.JSON200.Items[0].ID, &client.DownloadMyCompletionDocumentPdfParams{}, learner)
	if pdf.StatusCode() != 200 || len(pdf.Body) < 1000 {
		t.Fatalf("completion PDF: %d", pdf.StatusCode())
	}
	mine, _ := env.Client.ListMyDocumentsWithResponse(ctx, &client.ListMyDocumentsParams{}, learner)
	if mine.JSON200 == nil || len(mine.JSON200.Items) < 2 {
		t.Fatalf("my documents: %s", mine.Body)
	}
	to := now.AddDate(0, 1, 0)
	cal, _ := env.Client.GetMyCalendarWithResponse(ctx, &client.GetMyCalendarParams{From: &now, To: &to}, learner)
	if cal.JSON200 == nil {
		t.Fatalf("my calendar: %s", cal.Body)
	}
	kinds := map[client.CalendarEventKind]int{}
	for _, e := range cal.JSON200.Items {
		kinds[e.Kind]++
	}
	if kinds["webinar"] < 2 || kinds["deadline"] < 1 {
		t.Fatalf("upcoming events by kind: %v", kinds)
	}
	feed, _ := env.Client.IssueMyCalendarFeedWithResponse(ctx, learner)
	if feed.JSON201 == nil || feed.JSON201.URL == "" {
		t.Fatalf("calendar feed: %d %s", feed.StatusCode(), feed.Body)
	}
	var orgID uuid.UUID
	if err := env.Pool.QueryRow(ctx, `SELECT id FROM organizations WHERE slug = $1`, seed.DemoOrgSlug).Scan(&orgID); err != nil {
		t.Fatal(err)
	}
	news, _ := env.Client.ListMemberNewsWithResponse(ctx, orgID, &client.ListMemberNewsParams{}, learner)
	if news.JSON200 == nil || len(news.JSON200.Items) != 1 {
		t.Fatalf("news for the learner (the scheduled item is not out yet): %s", news.Body)
	}

	teacherLogin := apitest.Login(t, env, "teacher@demo.kabinet.test", seed.DemoPassword, false)
	if teacherLogin.JSON200 == nil {
		t.Fatalf("teacher login: %s", teacherLogin.Body)
	}
	shared := client.Shared
	got, _ := env.Client.ListMyDocumentsWithResponse(ctx, &client.ListMyDocumentsParams{Scope: &shared}, apitest.Bearer(teacherLogin.JSON200.AccessToken))
	if got.JSON200 == nil || len(got.JSON200.Items) != 1 {
		t.Fatalf("documents shared with the teacher: %s", got.Body)
	}
	teacher := apitest.Bearer(teacherLogin.JSON200.AccessToken)
	staffConvs, _ := env.Client.ListOrganizationConversationsWithResponse(ctx, orgID, &client.ListOrganizationConversationsParams{}, teacher)
	if staffConvs.JSON200 == nil || len(staffConvs.JSON200.Items) != 1 {
		t.Fatalf("the teacher's conversations: %d %s", staffConvs.StatusCode(), staffConvs.Body)
	}
	bank, _ := env.Client.ListBankQuestionsWithResponse(ctx, orgID, programID, &client.ListBankQuestionsParams{}, teacher)
	if bank.JSON200 == nil || len(bank.JSON200.Items) != 8 {
		t.Fatalf("the teacher's question bank: %d %s", bank.StatusCode(), bank.Body)
	}
	attempts, _ := env.Client.ListLessonAttemptsWithResponse(ctx, orgID, programID, lessonID, &client.ListLessonAttemptsParams{}, teacher)
	if attempts.JSON200 == nil || len(attempts.JSON200.Items) != 1 {
		t.Fatalf("the test's attempts for the teacher: %d %s", attempts.StatusCode(), attempts.Body)
	}
	managerLogin := apitest.Login(t, env, "manager@demo.kabinet.test", seed.DemoPassword, false)
	if managerLogin.JSON200 == nil {
		t.Fatalf("manager login: %s", managerLogin.Body)
	}
	manager := apitest.Bearer(managerLogin.JSON200.AccessToken)
	items, _ := env.Client.ListNewsItemsWithResponse(ctx, orgID, &client.ListNewsItemsParams{}, manager)
	if items.JSON200 == nil || len(items.JSON200.Items) != 2 {
		t.Fatalf("the manager's news: %d %s", items.StatusCode(), items.Body)
	}
	orgDocs, _ := env.Client.ListOrganizationDocumentsWithResponse(ctx, orgID, &client.ListOrganizationDocumentsParams{}, manager)
	if orgDocs.JSON200 == nil || len(orgDocs.JSON200.Items) != 1 {
		t.Fatalf("the organization's documents: %d %s", orgDocs.StatusCode(), orgDocs.Body)
	}
}
