package journey_test

import (
	"strings"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
)

// Step 5: the group runs; the learner opens the content, completes the
// text lesson, takes the final test (start, autosave, submit, pass).
func (j *journey) learnerStudies(t *testing.T) {
	t.Helper()
	j.setGroupStatus(t, "running")
	list, err := j.env.Client.ListMyLearningProgramsWithResponse(bg, nil, j.as())
	must(t, err)
	if list.JSON200 == nil || !has(list.JSON200.Items, func(p client.MyLearningProgram) bool {
		return p.ProgramID == j.program.ID && !p.AccessSuspended
	}) {
		t.Fatalf("listMyLearningPrograms: %d %s", list.StatusCode(), list.Body)
	}
	toc, err := j.env.Client.GetMyProgramContentsWithResponse(bg, j.program.ID, j.as())
	must(t, err)
	if toc.JSON200 == nil || len(toc.JSON200.Modules) != 1 || len(toc.JSON200.Modules[0].Lessons) != 3 ||
		toc.JSON200.Verdict.Met || !toc.JSON200.Verdict.PaidInFull {
		t.Fatalf("getMyProgramContents: %d %s", toc.StatusCode(), toc.Body)
	}

	lesson, err := j.env.Client.GetMyLessonWithResponse(bg, j.program.ID, j.text.ID, j.as())
	must(t, err)
	if lesson.JSON200 == nil || !strings.Contains(lesson.JSON200.BodyHTML, "<strong>порядок</strong>") || lesson.JSON200.Completed {
		t.Fatalf("getMyLesson: %d %s", lesson.StatusCode(), lesson.Body)
	}
	done, err := j.env.Client.CompleteMyLessonWithResponse(bg, j.program.ID, j.text.ID, j.as())
	must(t, err)
	if done.JSON200 == nil || done.JSON200.Progress.CompletedLessons != 1 {
		t.Fatalf("completeMyLesson: %d %s", done.StatusCode(), done.Body)
	}

	test, err := j.env.Client.GetMyTestWithResponse(bg, j.program.ID, j.test.ID, j.as())
	must(t, err)
	if test.JSON200 == nil || test.JSON200.QuestionCount != 2 || test.JSON200.Passed || test.JSON200.PassingScore != 70 {
		t.Fatalf("getMyTest: %d %s", test.StatusCode(), test.Body)
	}
	start, err := j.env.Client.StartTestAttemptWithResponse(bg, j.program.ID, j.test.ID, j.as())
	must(t, err)
	if start.JSON201 == nil || start.JSON201.Status != "started" || len(start.JSON201.Questions) != 2 {
		t.Fatalf("startTestAttempt: %d %s", start.StatusCode(), start.Body)
	}
	attempt := start.JSON201.ID
	right := map[string]client.AttemptAnswer{
		j.bank[0].ID.String(): {Options: &[]string{"b"}},
		j.bank[1].ID.String(): {Text: ptr("16")},
	}
	for _, q := range start.JSON201.Questions {
		a := right[q.ID.String()]
		saved, err := j.env.Client.SaveAttemptAnswerWithResponse(bg, attempt, q.ID, a, j.as())
		must(t, err)
		if saved.JSON200 == nil {
			t.Fatalf("saveAttemptAnswer: %d %s", saved.StatusCode(), saved.Body)
		}
	}
	// The autosaved answers come back when the page is reopened.
	again, err := j.env.Client.GetMyAttemptWithResponse(bg, attempt, j.as())
	must(t, err)
	if again.JSON200 == nil || len(again.JSON200.Answers) != 2 || again.JSON200.AnswersVersion < 2 {
		t.Fatalf("getMyAttempt: %d %s", again.StatusCode(), again.Body)
	}
	sub, err := j.env.Client.SubmitAttemptWithResponse(bg, attempt, j.as())
	must(t, err)
	if sub.JSON200 == nil || sub.JSON200.Status != "submitted" || sub.JSON200.Result == nil || !sub.JSON200.Result.Passed || sub.JSON200.Result.Percent != 100 {
		t.Fatalf("submitAttempt: %d %s", sub.StatusCode(), sub.Body)
	}
	after, err := j.env.Client.GetMyProgramContentsWithResponse(bg, j.program.ID, j.as())
	must(t, err)
	if after.JSON200 == nil || !after.JSON200.Verdict.Met || !after.JSON200.Progress.FinalTestPassed {
		t.Fatalf("verdict after the test: %d %s", after.StatusCode(), after.Body)
	}
}

// Step 5 (continued): the learner writes to the teacher and reads the
// answer; the webinar is in the calendar, as JSON and in the .ics feed.
func (j *journey) learnerTalksAndPlans(t *testing.T) {
	t.Helper()
	sent, err := j.env.Client.SendMyProgramConversationMessageWithResponse(bg, j.program.ID,
		client.ConversationMessageCreate{Body: "Здравствуйте! Будет ли запись вебинара?"}, j.as())
	must(t, err)
	if sent.JSON201 == nil || sent.JSON201.FromStaff {
		t.Fatalf("sendMyProgramConversationMessage: %d %s", sent.StatusCode(), sent.Body)
	}
	inbox, err := j.env.Client.ListOrganizationConversationsWithResponse(bg, j.org.ID, nil, j.org.As("teacher"))
	must(t, err)
	if inbox.JSON200 == nil || len(inbox.JSON200.Items) != 1 || inbox.JSON200.Items[0].Unread != 1 || inbox.JSON200.Items[0].ProgramID != j.program.ID {
		t.Fatalf("listOrganizationConversations: %d %s", inbox.StatusCode(), inbox.Body)
	}
	reply, err := j.env.Client.SendOrganizationConversationMessageWithResponse(bg, j.org.ID, inbox.JSON200.Items[0].ID,
		client.ConversationMessageCreate{Body: "Да, запись появится после эфира."}, j.org.As("teacher"))
	must(t, err)
	if reply.JSON201 == nil || !reply.JSON201.FromStaff {
		t.Fatalf("sendOrganizationConversationMessage: %d %s", reply.StatusCode(), reply.Body)
	}
	thread, err := j.env.Client.GetMyProgramConversationWithResponse(bg, j.program.ID, nil, j.as())
	must(t, err)
	if thread.JSON200 == nil || len(thread.JSON200.Messages) != 2 || thread.JSON200.Unread != 1 ||
		!has(thread.JSON200.Messages, func(m client.ConversationMessage) bool {
			return m.FromStaff && strings.Contains(m.Body, "запись")
		}) {
		t.Fatalf("getMyProgramConversation: %d %s", thread.StatusCode(), thread.Body)
	}

	cal, err := j.env.Client.GetMyCalendarWithResponse(bg, nil, j.as())
	must(t, err)
	if cal.JSON200 == nil || !has(cal.JSON200.Items, func(e client.CalendarEvent) bool {
		return e.Kind == "webinar" && e.LessonID != nil && *e.LessonID == j.webinar.ID && e.Start.Equal(j.webinar.Webinar.StartsAt)
	}) {
		t.Fatalf("getMyCalendar: %d %s", cal.StatusCode(), cal.Body)
	}
	feed, err := j.env.Client.IssueMyCalendarFeedWithResponse(bg, j.as())
	must(t, err)
	if feed.JSON201 == nil || !strings.HasPrefix(feed.JSON201.WebcalURL, "webcal://") {
		t.Fatalf("issueMyCalendarFeed: %d %s", feed.StatusCode(), feed.Body)
	}
	// A calendar app fetches the private URL, without a token.
	name := feed.JSON201.URL[strings.LastIndex(feed.JSON201.URL, "/")+1:]
	ics, err := j.env.Client.GetCalendarFeedWithResponse(bg, name, nil)
	must(t, err)
	body := string(ics.Body)
	if ics.StatusCode() != 200 || !strings.HasPrefix(body, "BEGIN:VCALENDAR") || !strings.Contains(body, "Вебинар") {
		t.Fatalf("getCalendarFeed: %d %s", ics.StatusCode(), body)
	}
	if !strings.HasPrefix(feed.JSON201.URL, j.public) {
		t.Logf("finding: the feed URL %q is not under KABINET_PUBLIC_URL %q", feed.JSON201.URL, j.public)
	} else {
		status, direct, _ := j.page(t, "GET", feed.JSON201.URL, nil)
		if status != 200 || !strings.Contains(direct, "BEGIN:VEVENT") {
			t.Fatalf("the feed URL as issued: %d %s", status, direct)
		}
	}
}
