package commerce_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/payments/sandbox"
)

// TestOrderPaymentsAndRefundsArePaged walks the three per-order lists a
// page at a time: oldest first, no overlap, no gap, null nextCursor on the
// last page, 422 for a bad cursor and 404 for another user or organization,
// cursor or not.
func TestOrderPaymentsAndRefundsArePaged(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	ctx := context.Background()
	l, other := s.learner(t), s.learner(t)
	app, _ := s.seat(t, l.User.ID, 300000, 30, 10)
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}})
	me := apitest.Bearer(l.AccessToken)
	// Three declined payments, then one that succeeds.
	var payments []uuid.UUID
	for i := range 4 {
		p := s.pay(t, l.AccessToken, o.ID, client.Next)
		outcome := sandbox.Fail
		if i == 3 {
			outcome = sandbox.Succeed
		}
		if code, out := s.notify(t, s.decide(t, p.ID, outcome)); code != http.StatusOK || out != "applied" {
			t.Fatalf("payment %d: %d %s", i, code, out)
		}
		payments = append(payments, p.ID)
	}
	// Five partial refunds.
	var refunds []uuid.UUID
	for range 5 {
		r, err := s.env.Client.CreateRefundWithResponse(ctx, s.org.ID, o.ID, &client.CreateRefundParams{IdempotencyKey: uuid.NewString()},
			client.RefundRequest{Amount: new(int64(10000)), Reason: "Частичный возврат"}, s.org.As("manager"))
		if err != nil || r.JSON201 == nil || len(r.JSON201.Items) != 1 {
			t.Fatalf("refund: %v %s", err, r.Body)
		}
		refunds = append(refunds, r.JSON201.Items[0].ID)
	}

	limit := 3
	gotPayments := apitest.WalkPages(t, limit, func(cursor *string) apitest.Page {
		res, err := s.env.Client.ListOrderPaymentsWithResponse(ctx, o.ID, &client.ListOrderPaymentsParams{Limit: &limit, Cursor: cursor}, me)
		if err != nil || res.JSON200 == nil {
			t.Fatalf("listOrderPayments: %v %s", err, res.Body)
		}
		var p apitest.Page
		for _, it := range res.JSON200.Items {
			p.IDs = append(p.IDs, it.ID)
		}
		p.Next = res.JSON200.NextCursor
		return p
	})
	if !slices.Equal(gotPayments, payments) {
		t.Fatalf("payments %v, want %v (oldest first)", gotPayments, payments)
	}

	limit = 2
	refundable := int64(300000 - 5*10000)
	staffPages := apitest.WalkPages(t, limit, func(cursor *string) apitest.Page {
		res, err := s.env.Client.ListRefundsWithResponse(ctx, s.org.ID, o.ID, &client.ListRefundsParams{Limit: &limit, Cursor: cursor}, s.org.As("director"))
		if err != nil || res.JSON200 == nil || res.JSON200.Refundable != refundable {
			t.Fatalf("listRefunds: %v %s", err, res.Body)
		}
		var p apitest.Page
		for _, it := range res.JSON200.Items {
			p.IDs = append(p.IDs, it.ID)
		}
		p.Next = res.JSON200.NextCursor
		return p
	})
	myPages := apitest.WalkPages(t, limit, func(cursor *string) apitest.Page {
		res, err := s.env.Client.ListMyOrderRefundsWithResponse(ctx, o.ID, &client.ListMyOrderRefundsParams{Limit: &limit, Cursor: cursor}, me)
		if err != nil || res.JSON200 == nil || res.JSON200.Refundable != refundable {
			t.Fatalf("listMyOrderRefunds: %v %s", err, res.Body)
		}
		var p apitest.Page
		for _, it := range res.JSON200.Items {
			p.IDs = append(p.IDs, it.ID)
		}
		p.Next = res.JSON200.NextCursor
		return p
	})
	if !slices.Equal(staffPages, refunds) || !slices.Equal(myPages, refunds) {
		t.Fatalf("refunds %v and %v, want %v (oldest first)", staffPages, myPages, refunds)
	}

	// A cursor past the end is an empty last page.
	first, _ := s.env.Client.ListMyOrderRefundsWithResponse(ctx, o.ID, &client.ListMyOrderRefundsParams{Limit: new(4)}, me)
	if first.JSON200 == nil || first.JSON200.NextCursor == nil {
		t.Fatalf("first page: %s", first.Body)
	}
	cursor := first.JSON200.NextCursor
	last, _ := s.env.Client.ListMyOrderRefundsWithResponse(ctx, o.ID, &client.ListMyOrderRefundsParams{Limit: new(4), Cursor: cursor}, me)
	if last.JSON200 == nil || len(last.JSON200.Items) != 1 || last.JSON200.NextCursor != nil {
		t.Fatalf("last page: %s", last.Body)
	}

	// Bad cursors and limits.
	for _, bad := range []string{"not a cursor", "bm90IGEgY3Vyc29y", uuid.NewString()} {
		lp, _ := s.env.Client.ListOrderPaymentsWithResponse(ctx, o.ID, &client.ListOrderPaymentsParams{Cursor: &bad}, me)
		apitest.WantBadCursor(t, lp.HTTPResponse, lp.Body)
		mr, _ := s.env.Client.ListMyOrderRefundsWithResponse(ctx, o.ID, &client.ListMyOrderRefundsParams{Cursor: &bad}, me)
		apitest.WantBadCursor(t, mr.HTTPResponse, mr.Body)
		sr, _ := s.env.Client.ListRefundsWithResponse(ctx, s.org.ID, o.ID, &client.ListRefundsParams{Cursor: &bad}, s.org.As("manager"))
		apitest.WantBadCursor(t, sr.HTTPResponse, sr.Body)
	}
	for _, n := range []int{0, 101} {
		lp, _ := s.env.Client.ListOrderPaymentsWithResponse(ctx, o.ID, &client.ListOrderPaymentsParams{Limit: &n}, me)
		if p := apitest.WantProblem(t, lp.HTTPResponse, lp.Body, http.StatusUnprocessableEntity, "validation_failed"); !apitest.Contains(apitest.Fields(p), "query.limit:out_of_range") {
			t.Fatalf("limit %d: %s", n, lp.Body)
		}
	}

	// Another learner, with the owner's cursor or without, finds no order.
	theirs := apitest.Bearer(other.AccessToken)
	for _, c := range []*string{nil, cursor} {
		lp, _ := s.env.Client.ListOrderPaymentsWithResponse(ctx, o.ID, &client.ListOrderPaymentsParams{Cursor: c}, theirs)
		apitest.WantProblem(t, lp.HTTPResponse, lp.Body, http.StatusNotFound, "not_found")
		mr, _ := s.env.Client.ListMyOrderRefundsWithResponse(ctx, o.ID, &client.ListMyOrderRefundsParams{Cursor: c}, theirs)
		apitest.WantProblem(t, mr.HTTPResponse, mr.Body, http.StatusNotFound, "not_found")
		// Nor does the staff of another organization, through either.
		stranger := apitest.NewStaffOrg(t, s.env, "pages-"+apitest.Itoa(apitest.Seq.Add(1)))
		sr, _ := s.env.Client.ListRefundsWithResponse(ctx, s.org.ID, o.ID, &client.ListRefundsParams{Cursor: c}, stranger.As("manager"))
		apitest.WantProblem(t, sr.HTTPResponse, sr.Body, http.StatusNotFound, "not_found")
		sr, _ = s.env.Client.ListRefundsWithResponse(ctx, stranger.ID, o.ID, &client.ListRefundsParams{Cursor: c}, stranger.As("manager"))
		apitest.WantProblem(t, sr.HTTPResponse, sr.Body, http.StatusNotFound, "not_found")
	}
}
