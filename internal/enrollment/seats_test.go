package enrollment_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/enrollment"
	"github.com/kabinet-edu/kabinet/internal/store"
)

func seatsTaken(t *testing.T, env *apitest.Env, groupID uuid.UUID) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), `SELECT seats_taken FROM study_groups WHERE id = $1`, groupID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Two managers approve two applications for the last seat at the same
// moment: the database gives it to exactly one; the other application goes
// to the waiting list.
func TestLastSeatRace(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "race")
	apitest.AddMember(t, env, o.ID, apitest.Register(t, env, apitest.NewAccount()).User.ID, "manager")
	for round := 0; round < 5; round++ {
		c := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse, capacity: 1})
		t1, _ := learner(t, env)
		t2, _ := learner(t, env)
		ids := []uuid.UUID{submitted(t, env, t1, c.group.ID).ID, submitted(t, env, t2, c.group.ID).ID}
		who := []client.RequestEditorFn{o.As("manager"), o.As("admin")}
		statuses := make([]client.ApplicationStatus, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res, err := env.Client.ApproveApplicationWithResponse(context.Background(), o.ID, ids[i], client.OptionalReasonRequest{}, who[i])
				if err != nil || res.JSON200 == nil {
					t.Errorf("approve: %v %d %s", err, res.StatusCode(), res.Body)
					return
				}
				statuses[i] = res.JSON200.Status
			}()
		}
		close(start)
		wg.Wait()
		approved, waiting := 0, 0
		for _, s := range statuses {
			switch s {
			case client.ApplicationStatusApproved:
				approved++
			case client.ApplicationStatusWaitlisted:
				waiting++
			}
		}
		if approved != 1 || waiting != 1 || seatsTaken(t, env, c.group.ID) != 1 {
			t.Fatalf("round %d: statuses %v, seats %d", round, statuses, seatsTaken(t, env, c.group.ID))
		}
	}
}

// The waiting list keeps its order: when an approved learner withdraws,
// the first waiting application takes the seat and the others move up.
func TestWaitingListOrderAndPromotion(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "waitlist")
	c := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse, capacity: 1})
	tokens := make([]string, 3)
	ids := make([]uuid.UUID, 3)
	emails := make([]string, 3)
	for i := range ids {
		acc := apitest.Register(t, env, apitest.NewAccount())
		tokens[i], emails[i] = acc.AccessToken, string(acc.User.Email)
		ids[i] = submitted(t, env, tokens[i], c.group.ID).ID
		res := approve(t, env, o, ids[i])
		wantStatus(t, res, res.Body, http.StatusOK)
	}
	position := func(i int) (client.ApplicationStatus, *int) {
		res, _ := env.Client.GetMyApplicationWithResponse(ctx, ids[i], apitest.Bearer(tokens[i]))
		return res.JSON200.Status, res.JSON200.WaitlistPosition
	}
	if s, p := position(1); s != "waitlisted" || *p != 1 {
		t.Fatalf("second: %s %v", s, p)
	}
	if s, p := position(2); s != "waitlisted" || *p != 2 {
		t.Fatalf("third: %s %v", s, p)
	}
	if apitest.CountMail(t, env, emails[2], "application_waitlisted") != 1 {
		t.Fatal("no waiting-list mail")
	}
	// Approving a waiting application while the group is full is refused.
	again := approve(t, env, o, ids[2])
	apitest.ProblemOf(t, again.StatusCode(), again.HTTPResponse.Header, again.Body, http.StatusConflict, "group_full")

	w, _ := env.Client.WithdrawApplicationWithResponse(ctx, ids[0], client.OptionalReasonRequest{Reason: ptrTo("Передумала")}, apitest.Bearer(tokens[0]))
	wantStatus(t, w, w.Body, http.StatusOK)
	if s, _ := position(1); s != "approved" {
		t.Fatalf("second after the withdrawal: %s", s)
	}
	if s, p := position(2); s != "waitlisted" || *p != 1 {
		t.Fatalf("third after the withdrawal: %s %v", s, p)
	}
	if seatsTaken(t, env, c.group.ID) != 1 || apitest.CountMail(t, env, emails[1], "application_approved") != 1 {
		t.Fatal("the promotion took no seat or sent no mail")
	}
	res, _ := env.Client.GetMyApplicationWithResponse(ctx, ids[1], apitest.Bearer(tokens[1]))
	last := res.JSON200.Events[len(res.JSON200.Events)-1]
	if last.Event != "promoted" || last.ActorID != nil {
		t.Fatalf("promotion event %+v", last)
	}
	// A rejected waiting application leaves the list.
	rj, _ := env.Client.RejectApplicationWithResponse(ctx, o.ID, ids[2], client.DecisionRequest{Reason: "Группа укомплектована"}, o.As("manager"))
	wantStatus(t, rj, rj.Body, http.StatusOK)
}

// A program without review approves on submission, a seat permitting; the
// enrollment window is enforced at approval.
func TestAutoApproveAndWindowAtApproval(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "auto")
	web := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindWebinar, capacity: 1, autoApprove: true})
	t1, _ := learner(t, env)
	t2, _ := learner(t, env)
	if a := submitted(t, env, t1, web.group.ID); a.Status != "approved" || !a.AutoApprove || a.Events[len(a.Events)-1].ActorID != nil {
		t.Fatalf("first: %+v", a)
	}
	if a := submitted(t, env, t2, web.group.ID); a.Status != "waitlisted" {
		t.Fatalf("second: %s", a.Status)
	}

	c := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse})
	t3, _ := learner(t, env)
	a := submitted(t, env, t3, c.group.ID)
	closeWindow(t, env, c.group)
	res := approve(t, env, o, a.ID)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusConflict, "enrollment_closed")
}

// ApprovedSeat and HasAccess, the functions other domains call.
func TestApprovedSeatAndAccess(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	q := db.New(env.Pool)
	o := apitest.NewStaffOrg(t, env, "seat")
	c := newCourse(t, env, o.ID, programSpec{kind: db.ProgramKindCourse, price: 1_500_000})
	token, userID := learner(t, env)
	a := submitted(t, env, token, c.group.ID)
	if _, err := enrollment.ApprovedSeat(ctx, q, userID, a.ID); !errorsIs(err, store.ErrNotFound) {
		t.Fatalf("submitted application: %v", err)
	}
	approve(t, env, o, a.ID)
	seat, err := enrollment.ApprovedSeat(ctx, q, userID, a.ID)
	if err != nil || seat.PriceMinor != 1_500_000 || seat.Currency != "RUB" || seat.GroupID != c.group.ID || seat.OrganizationID != o.ID {
		t.Fatalf("seat %+v %v", seat, err)
	}
	if _, err := enrollment.ApprovedSeat(ctx, q, o.User("manager"), a.ID); !errorsIs(err, store.ErrNotFound) {
		t.Fatalf("another user's application: %v", err)
	}
	if ok, err := enrollment.HasAccess(ctx, q, userID, c.program.ID); ok || err != nil {
		t.Fatalf("access before the group runs: %v %v", ok, err)
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE study_groups SET status = 'running' WHERE id = $1`, c.group.ID); err != nil {
		t.Fatal(err)
	}
	if ok, err := enrollment.HasAccess(ctx, q, userID, c.program.ID); !ok || err != nil {
		t.Fatalf("access while running: %v %v", ok, err)
	}
}
