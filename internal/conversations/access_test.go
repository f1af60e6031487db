package conversations_test

import (
	"context"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// Nobody reaches a thread that is not theirs: another learner, a learner
// without access, a teacher of another program, another organization's
// staff — all 404; a learner on the staff side 403.
func TestThreadsAreIsolated(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	s := newSetup(t, env, "conv-iso")
	m := say(t, env, s, "Мой вопрос")
	conv := m.ConversationID

	// Another learner, not enrolled in the program: the program is 404 to
	// them, reading and writing alike, and the first learner's thread
	// never shows in their lists.
	outsider := apitest.Register(t, env, apitest.NewAccount())
	as := apitest.Bearer(outsider.AccessToken)
	th, _ := env.Client.GetMyProgramConversationWithResponse(ctx, s.c.program, nil, as)
	apitest.WantProblem(t, th.HTTPResponse, th.Body, 404, "not_found")
	w, _ := env.Client.SendMyProgramConversationMessageWithResponse(ctx, s.c.program, client.ConversationMessageCreate{Body: "Привет"}, as)
	apitest.WantProblem(t, w.HTTPResponse, w.Body, 404, "not_found")
	rd, _ := env.Client.MarkMyProgramConversationReadWithResponse(ctx, s.c.program, client.ConversationReadRequest{}, as)
	apitest.WantProblem(t, rd.HTTPResponse, rd.Body, 404, "not_found")
	list, _ := env.Client.ListMyConversationsWithResponse(ctx, nil, as)
	if list.JSON200 == nil || len(list.JSON200.Items) != 0 {
		t.Fatalf("outsider's threads: %s", list.Body)
	}

	// Another learner of the same program has a thread of their own.
	s2 := setup{o: s.o, c: s.c, learner: student(t, env, s.c)}
	th2, _ := env.Client.GetMyProgramConversationWithResponse(ctx, s.c.program, nil, s2.as())
	if th2.JSON200 == nil || th2.JSON200.ConversationID != nil || len(th2.JSON200.Messages) != 0 {
		t.Fatalf("second learner sees: %s", th2.Body)
	}
	// Nor can they reach the first learner's messages through the staff
	// side with the thread's id: not a member of the organization, 404.
	sm, _ := env.Client.ListOrganizationConversationMessagesWithResponse(ctx, s.o.ID, conv, nil, s2.as())
	apitest.WantProblem(t, sm.HTTPResponse, sm.Body, 404, "not_found")
	ml2, _ := env.Client.ListMyConversationsWithResponse(ctx, nil, s2.as())
	if ml2.JSON200 == nil || len(ml2.JSON200.Items) != 0 {
		t.Fatalf("second learner's threads: %s", ml2.Body)
	}

	// A learner approved into a group that has not started has no access yet.
	later := newCourse(t, env, s.o.ID, "enrolling")
	waiting := student(t, env, later)
	wt, _ := env.Client.GetMyProgramConversationWithResponse(ctx, later.program, nil, apitest.Bearer(waiting.AccessToken))
	apitest.WantProblem(t, wt.HTTPResponse, wt.Body, 404, "not_found")

	// A teacher of another program of the same organization.
	other := apitest.Register(t, env, apitest.NewAccount())
	apitest.AddMember(t, env, s.o.ID, other.User.ID, "teacher")
	teach(t, env, later, other.User.ID)
	ot := apitest.Bearer(other.AccessToken)
	g, _ := env.Client.GetOrganizationConversationWithResponse(ctx, s.o.ID, conv, ot)
	apitest.WantProblem(t, g.HTTPResponse, g.Body, 404, "not_found")
	gm, _ := env.Client.ListOrganizationConversationMessagesWithResponse(ctx, s.o.ID, conv, nil, ot)
	apitest.WantProblem(t, gm.HTTPResponse, gm.Body, 404, "not_found")
	ga, _ := env.Client.SendOrganizationConversationMessageWithResponse(ctx, s.o.ID, conv, client.ConversationMessageCreate{Body: "?"}, ot)
	apitest.WantProblem(t, ga.HTTPResponse, ga.Body, 404, "not_found")
	gl, _ := env.Client.ListOrganizationConversationsWithResponse(ctx, s.o.ID, nil, ot)
	if gl.JSON200 == nil || len(gl.JSON200.Items) != 0 {
		t.Fatalf("other teacher's list: %s", gl.Body)
	}
	ob, _ := env.Client.CountOrganizationUnreadConversationMessagesWithResponse(ctx, s.o.ID, nil, ot)
	if ob.JSON200 == nil || ob.JSON200.UnreadMessages != 0 {
		t.Fatalf("other teacher's badge: %s", ob.Body)
	}
	if mb, _ := env.Client.CountOrganizationUnreadConversationMessagesWithResponse(ctx, s.o.ID, nil, s.o.As("manager")); mb.JSON200 == nil || mb.JSON200.UnreadMessages != 1 {
		t.Fatalf("manager's badge: %s", mb.Body)
	}
	// The organization's manager and director see it.
	for _, role := range []client.Role{"manager", "director", "admin"} {
		ml, _ := env.Client.ListOrganizationConversationsWithResponse(ctx, s.o.ID, nil, s.o.As(role))
		if ml.JSON200 == nil || len(ml.JSON200.Items) != 1 {
			t.Fatalf("%s's list: %s", role, ml.Body)
		}
	}
	// A learner member of the organization: 403 on the staff side.
	ll, _ := env.Client.ListOrganizationConversationsWithResponse(ctx, s.o.ID, nil, s.o.As("learner"))
	apitest.WantProblem(t, ll.HTTPResponse, ll.Body, 403, "forbidden")

	// Another organization's manager: the thread is 404 both under the
	// first organization and under their own.
	o2 := apitest.NewStaffOrg(t, env, "conv-iso2-"+apitest.Itoa(apitest.Seq.Add(1)))
	x, _ := env.Client.GetOrganizationConversationWithResponse(ctx, s.o.ID, conv, o2.As("manager"))
	apitest.WantProblem(t, x.HTTPResponse, x.Body, 404, "not_found")
	y, _ := env.Client.GetOrganizationConversationWithResponse(ctx, o2.ID, conv, o2.As("manager"))
	apitest.WantProblem(t, y.HTTPResponse, y.Body, 404, "not_found")
	z, _ := env.Client.MarkOrganizationConversationReadWithResponse(ctx, o2.ID, conv, client.ConversationReadRequest{}, o2.As("manager"))
	apitest.WantProblem(t, z.HTTPResponse, z.Body, 404, "not_found")
}

// A program without teachers: the organization's managers and admins hear
// of the learner's message.
func TestNoTeacherNotifiesManagers(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "conv-mgr-"+apitest.Itoa(apitest.Seq.Add(1)))
	c := newCourse(t, env, o.ID, "finished")
	s := setup{o: o, c: c, learner: student(t, env, c)}
	// A finished group still gives access: the learner may write.
	say(t, env, s, "Вопрос после окончания курса")
	if notes(t, env, o.User("manager")) != 1 || notes(t, env, o.User("admin")) != 1 || notes(t, env, o.User("teacher")) != 0 {
		t.Fatalf("notified: manager %d, admin %d, teacher %d", notes(t, env, o.User("manager")), notes(t, env, o.User("admin")), notes(t, env, o.User("teacher")))
	}
}
