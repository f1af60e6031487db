package conversations_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

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

// The thread pages backwards from the newest message, for the learner and
// for staff alike: each page oldest first, nextCursor leading to older
// messages, no overlap or gap, null at the start of the thread; a cursor
// the thread did not hand out is 422 naming query.cursor, and a valid one
// opens no other user's or organization's thread.
func TestThreadPagesBackwards(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	s := newSetup(t, env, "conv-page")
	var conv uuid.UUID
	seqOf := map[uuid.UUID]int{}
	for i := 1; i <= 5; i++ {
		var m client.ConversationMessage
		if i%2 == 0 {
			m = answer(t, env, s, conv, "teacher", "Ответ "+apitest.Itoa(int64(i)))
		} else {
			m = say(t, env, s, "Сообщение "+apitest.Itoa(int64(i)))
		}
		conv = m.ConversationID
		seqOf[m.ID] = m.Seq
	}
	limit := 2
	seqs := func(ids []uuid.UUID) []int {
		out := make([]int, len(ids))
		for i, id := range ids {
			out[i] = seqOf[id]
		}
		return out
	}
	var lastPage []uuid.UUID
	learnerPages := apitest.WalkPages(t, limit, func(cursor *string) apitest.Page {
		res, err := env.Client.GetMyProgramConversationWithResponse(ctx, s.c.program, &client.GetMyProgramConversationParams{Limit: &limit, Cursor: cursor}, s.as())
		if err != nil || res.JSON200 == nil {
			t.Fatalf("thread: %v %s", err, res.Body)
		}
		var p apitest.Page
		for _, m := range res.JSON200.Messages {
			p.IDs = append(p.IDs, m.ID)
		}
		p.Next, lastPage = res.JSON200.NextCursor, p.IDs
		return p
	})
	if got := seqs(learnerPages); !slices.Equal(got, []int{4, 5, 2, 3, 1}) {
		t.Fatalf("learner's pages: %v, want [4 5] [2 3] [1]", got)
	}
	if len(lastPage) != 1 {
		t.Fatalf("last page %v", seqs(lastPage))
	}
	staffPages := apitest.WalkPages(t, limit, func(cursor *string) apitest.Page {
		res, err := env.Client.ListOrganizationConversationMessagesWithResponse(ctx, s.o.ID, conv,
			&client.ListOrganizationConversationMessagesParams{Limit: &limit, Cursor: cursor}, s.o.As("teacher"))
		if err != nil || res.JSON200 == nil {
			t.Fatalf("staff thread: %v %s", err, res.Body)
		}
		var p apitest.Page
		for _, m := range res.JSON200.Items {
			p.IDs = append(p.IDs, m.ID)
		}
		p.Next = res.JSON200.NextCursor
		return p
	})
	if !slices.Equal(staffPages, learnerPages) {
		t.Fatalf("staff's pages %v, learner's %v", seqs(staffPages), seqs(learnerPages))
	}

	for _, bad := range []string{"bm90LWEtY3Vyc29y", "m0", "not a cursor"} {
		res, err := env.Client.GetMyProgramConversationWithResponse(ctx, s.c.program, &client.GetMyProgramConversationParams{Cursor: &bad}, s.as())
		if err != nil {
			t.Fatal(err)
		}
		apitest.WantBadCursor(t, res.HTTPResponse, res.Body)
		sr, err := env.Client.ListOrganizationConversationMessagesWithResponse(ctx, s.o.ID, conv, &client.ListOrganizationConversationMessagesParams{Cursor: &bad}, s.o.As("manager"))
		if err != nil {
			t.Fatal(err)
		}
		apitest.WantBadCursor(t, sr.HTTPResponse, sr.Body)
	}

	// A valid cursor of this thread opens nothing else.
	first, _ := env.Client.GetMyProgramConversationWithResponse(ctx, s.c.program, &client.GetMyProgramConversationParams{Limit: &limit}, s.as())
	if first.JSON200 == nil || first.JSON200.NextCursor == nil {
		t.Fatalf("first page: %s", first.Body)
	}
	cursor := first.JSON200.NextCursor
	outsider := apitest.Register(t, env, apitest.NewAccount())
	th, _ := env.Client.GetMyProgramConversationWithResponse(ctx, s.c.program, &client.GetMyProgramConversationParams{Cursor: cursor}, apitest.Bearer(outsider.AccessToken))
	apitest.WantProblem(t, th.HTTPResponse, th.Body, 404, "not_found")
	// Another learner of the program reads their own (empty) thread.
	s2 := setup{o: s.o, c: s.c, learner: student(t, env, s.c)}
	own, _ := env.Client.GetMyProgramConversationWithResponse(ctx, s.c.program, &client.GetMyProgramConversationParams{Cursor: cursor}, s2.as())
	if own.JSON200 == nil || own.JSON200.ConversationID != nil || len(own.JSON200.Messages) != 0 || own.JSON200.NextCursor != nil {
		t.Fatalf("second learner with the first's cursor: %s", own.Body)
	}
	sm, _ := env.Client.ListOrganizationConversationMessagesWithResponse(ctx, s.o.ID, conv, &client.ListOrganizationConversationMessagesParams{Cursor: cursor}, s2.as())
	apitest.WantProblem(t, sm.HTTPResponse, sm.Body, 404, "not_found")
	o2 := apitest.NewStaffOrg(t, env, "conv-page2-"+apitest.Itoa(apitest.Seq.Add(1)))
	for _, org := range []uuid.UUID{s.o.ID, o2.ID} {
		x, _ := env.Client.ListOrganizationConversationMessagesWithResponse(ctx, org, conv, &client.ListOrganizationConversationMessagesParams{Cursor: cursor}, o2.As("manager"))
		apitest.WantProblem(t, x.HTTPResponse, x.Body, 404, "not_found")
	}
}
