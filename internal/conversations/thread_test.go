package conversations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// A learner writes, the teacher reads and answers, both sides' unread
// counts follow, and each side is notified in its inbox.
func TestLearnerTeacherRoundTrip(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	s := newSetup(t, env, "conv-rt")

	th, err := env.Client.GetMyProgramConversationWithResponse(ctx, s.c.program, nil, s.as())
	if err != nil || th.JSON200 == nil {
		t.Fatalf("thread before the first message: %v %s", err, th.Body)
	}
	if th.JSON200.ConversationID != nil || len(th.JSON200.Messages) != 0 || !th.JSON200.CanWrite ||
		len(th.JSON200.Teachers) != 1 || th.JSON200.Teachers[0].ID != s.o.User("teacher") {
		t.Fatalf("empty thread: %+v", th.JSON200)
	}

	// The teacher wants these by e-mail too (off by default).
	set, err := env.Client.UpdateNotificationSettingsWithResponse(ctx, client.NotificationSettingsUpdate{Categories: []client.NotificationChannels{
		{Category: "message", InApp: true, Email: true},
	}}, s.o.As("teacher"))
	if err != nil || set.StatusCode() != 200 {
		t.Fatalf("settings: %v %s", err, set.Body)
	}

	m1 := say(t, env, s, "Здравствуйте!\nПравильно ли я понял **задание 2**?")
	if m1.Seq != 1 || m1.FromStaff || !strings.Contains(m1.BodyHTML, "<strong>задание 2</strong>") || !strings.Contains(m1.Body, "\n") {
		t.Fatalf("first message: %+v", m1)
	}
	if n := notes(t, env, s.o.User("teacher")); n != 1 {
		t.Fatalf("teacher notifications: %d", n)
	}
	if n := apitest.CountMail(t, env, string(s.o.Members["teacher"].User.Email), "notification"); n != 1 {
		t.Fatalf("teacher e-mails in the outbox: %d", n)
	}
	if n := notes(t, env, s.o.User("manager")); n != 0 {
		t.Fatalf("a manager is notified although the program has a teacher: %d", n)
	}

	// The teacher's queue: one thread, one unread message.
	list, err := env.Client.ListOrganizationConversationsWithResponse(ctx, s.o.ID, nil, s.o.As("teacher"))
	if err != nil || list.JSON200 == nil || len(list.JSON200.Items) != 1 {
		t.Fatalf("teacher's list: %v %s", err, list.Body)
	}
	conv := list.JSON200.Items[0]
	if conv.Unread != 1 || conv.Learner.ID != s.learner.User.ID || conv.ID != m1.ConversationID || conv.LastMessageFromStaff {
		t.Fatalf("thread in the queue: %+v", conv)
	}
	badge, err := env.Client.CountOrganizationUnreadConversationMessagesWithResponse(ctx, s.o.ID, nil, s.o.As("teacher"))
	if err != nil || badge.JSON200 == nil || badge.JSON200.UnreadMessages != 1 || badge.JSON200.UnreadConversations != 1 {
		t.Fatalf("teacher's badge: %v %s", err, badge.Body)
	}
	msgs, err := env.Client.ListOrganizationConversationMessagesWithResponse(ctx, s.o.ID, conv.ID, nil, s.o.As("teacher"))
	if err != nil || msgs.JSON200 == nil || len(msgs.JSON200.Items) != 1 || msgs.JSON200.Items[0].Body != m1.Body {
		t.Fatalf("teacher reads: %v %s", err, msgs.Body)
	}

	// The answer: unread for the learner, read for staff.
	a1 := answer(t, env, s, conv.ID, "teacher", "Да, верно.")
	if !a1.FromStaff || a1.Seq != 2 {
		t.Fatalf("answer: %+v", a1)
	}
	if n := notes(t, env, s.learner.User.ID); n != 1 {
		t.Fatalf("learner notifications: %d", n)
	}
	cnt, err := env.Client.CountMyUnreadConversationMessagesWithResponse(ctx, nil, s.as())
	if err != nil || cnt.JSON200 == nil || cnt.JSON200.UnreadMessages != 1 || cnt.JSON200.UnreadConversations != 1 {
		t.Fatalf("learner's unread count: %v %s", err, cnt.Body)
	}
	got, _ := env.Client.GetOrganizationConversationWithResponse(ctx, s.o.ID, conv.ID, s.o.As("teacher"))
	if got.JSON200 == nil || got.JSON200.Unread != 0 || got.JSON200.LearnerUnread != 1 {
		t.Fatalf("staff side after answering: %s", got.Body)
	}
	mine, _ := env.Client.ListMyConversationsWithResponse(ctx, &client.ListMyConversationsParams{Unread: new(true)}, s.as())
	if mine.JSON200 == nil || len(mine.JSON200.Items) != 1 || mine.JSON200.Items[0].Unread != 1 || mine.JSON200.Items[0].MessageCount != 2 {
		t.Fatalf("my threads: %s", mine.Body)
	}

	// The learner reads up to the answer.
	rd, err := env.Client.MarkMyProgramConversationReadWithResponse(ctx, s.c.program, client.ConversationReadRequest{MessageID: &a1.ID}, s.as())
	if err != nil || rd.JSON200 == nil || rd.JSON200.Unread != 0 {
		t.Fatalf("mark read: %v %s", err, rd.Body)
	}
	cnt, _ = env.Client.CountMyUnreadConversationMessagesWithResponse(ctx, nil, s.as())
	if cnt.JSON200 == nil || cnt.JSON200.UnreadMessages != 0 {
		t.Fatalf("after reading: %s", cnt.Body)
	}

	// Staff share one read mark: the manager reads, the teacher sees it read.
	say(t, env, s, "Спасибо!")
	unread, _ := env.Client.ListOrganizationConversationsWithResponse(ctx, s.o.ID, &client.ListOrganizationConversationsParams{Unread: new(true)}, s.o.As("manager"))
	if unread.JSON200 == nil || len(unread.JSON200.Items) != 1 || unread.JSON200.Items[0].Unread != 1 {
		t.Fatalf("manager's unread filter: %s", unread.Body)
	}
	mr, _ := env.Client.MarkOrganizationConversationReadWithResponse(ctx, s.o.ID, conv.ID, client.ConversationReadRequest{}, s.o.As("manager"))
	if mr.JSON200 == nil || mr.JSON200.Unread != 0 {
		t.Fatalf("manager marks read: %s", mr.Body)
	}
	badge, _ = env.Client.CountOrganizationUnreadConversationMessagesWithResponse(ctx, s.o.ID, nil, s.o.As("teacher"))
	if badge.JSON200 == nil || badge.JSON200.UnreadMessages != 0 {
		t.Fatalf("teacher's badge after the manager read: %s", badge.Body)
	}
	got, _ = env.Client.GetOrganizationConversationWithResponse(ctx, s.o.ID, conv.ID, s.o.As("teacher"))
	if got.JSON200 == nil || got.JSON200.Unread != 0 || got.JSON200.MessageCount != 3 {
		t.Fatalf("teacher after the manager read: %s", got.Body)
	}

	// A blank message without files is refused, naming the field.
	res, body := env.Send(t, "POST", "/api/v1/me/learning/programs/"+s.c.program.String()+"/conversation/messages", s.learner.AccessToken, `{"body":"  \n "}`)
	if p := apitest.WantProblem(t, res, body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "body:required") {
		t.Fatalf("blank body: %s", body)
	}
}

// The learner's thread pages backwards from the newest message.
func TestThreadPagesBackwards(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	s := newSetup(t, env, "conv-page")
	for i := 1; i <= 5; i++ {
		say(t, env, s, "Сообщение "+apitest.Itoa(int64(i)))
	}
	limit := 2
	first, err := env.Client.GetMyProgramConversationWithResponse(ctx, s.c.program, &client.GetMyProgramConversationParams{Limit: &limit}, s.as())
	if err != nil || first.JSON200 == nil {
		t.Fatal(err)
	}
	if ms := first.JSON200.Messages; len(ms) != 2 || ms[0].Seq != 4 || ms[1].Seq != 5 || first.JSON200.OlderCursor == nil {
		t.Fatalf("newest page: %s", first.Body)
	}
	var seqs []int
	cursor := first.JSON200.OlderCursor
	for cursor != nil {
		page, err := env.Client.GetMyProgramConversationWithResponse(ctx, s.c.program, &client.GetMyProgramConversationParams{Limit: &limit, Before: cursor}, s.as())
		if err != nil || page.JSON200 == nil {
			t.Fatal(err)
		}
		for _, m := range page.JSON200.Messages {
			seqs = append(seqs, m.Seq)
		}
		cursor = page.JSON200.OlderCursor
	}
	if len(seqs) != 3 || seqs[0] != 2 || seqs[1] != 3 || seqs[2] != 1 {
		t.Fatalf("older pages: %v", seqs)
	}
	bad := "bm90LWEtY3Vyc29y"
	res, err := env.Client.GetMyProgramConversationWithResponse(ctx, s.c.program, &client.GetMyProgramConversationParams{Before: &bad}, s.as())
	if err != nil {
		t.Fatal(err)
	}
	if p := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "query.before:invalid_value") {
		t.Fatalf("bad cursor: %s", res.Body)
	}
}
