package seed_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/seed"
)

// The demo orders load twice without change: one order in each state, one
// with installments, one employer invoice that the demo learner downloads.
func TestDemoOrders(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	hasher, err := auth.NewHasher(env.Config.Argon2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := seed.Demo(ctx, env.Pool, hasher); err != nil {
		t.Fatal(err)
	}
	if err := seed.DemoApplications(ctx, env.Pool, hasher); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := seed.DemoOrders(ctx, env.Pool); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := env.Pool.Query(ctx, `SELECT status::text, count(*) FROM orders GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		got[s] = n
	}
	if got["paid"] != 1 || got["in_progress"] != 1 || got["awaiting_payment"] != 2 || got["canceled"] != 1 {
		t.Fatalf("orders by status: %v", got)
	}
	if n := apitest.CountRows(t, env, "order_documents"); n != 1 {
		t.Fatalf("%d documents, want the employer's invoice", n)
	}
	// The paid demo order can be refunded through the sandbox.
	var paidID, orgID string
	if err := env.Pool.QueryRow(ctx, `SELECT id, organization_id FROM orders WHERE status = 'paid'`).Scan(&paidID, &orgID); err != nil {
		t.Fatal(err)
	}
	manager := apitest.Login(t, env, "manager@demo.kabinet.test", seed.DemoPassword, false)
	refund, _ := env.Client.CreateRefundWithResponse(ctx, uuid.MustParse(orgID), uuid.MustParse(paidID), &client.CreateRefundParams{IdempotencyKey: uuid.NewString()},
		client.RefundRequest{Amount: new(int64(100)), Reason: "Демо"}, apitest.Bearer(manager.JSON200.AccessToken))
	if refund.JSON201 == nil || refund.JSON201.Items[0].Status != "succeeded" {
		t.Fatalf("demo refund: %d %s", refund.StatusCode(), refund.Body)
	}
	login := apitest.Login(t, env, "learner@demo.kabinet.test", seed.DemoPassword, false)
	if login.JSON200 == nil {
		t.Fatalf("login: %s", login.Body)
	}
	as := apitest.Bearer(login.JSON200.AccessToken)
	list, _ := env.Client.ListMyOrdersWithResponse(ctx, nil, as)
	if list.JSON200 == nil || len(list.JSON200.Items) != 1 || list.JSON200.Items[0].Employer == nil {
		t.Fatalf("the demo learner's orders: %s", list.Body)
	}
	// The catalog seed (not run here) fills in the organization's requisites.
	if _, err := env.Pool.Exec(ctx, `UPDATE organizations SET legal_name = 'ООО «Экстерн»', inn = '7707083893', kpp = '773601001',
		bank_name = 'ПАО Сбербанк', bik = '044525225', settlement_account = '40702810938000000001',
		correspondent_account = '30101810400000000225' WHERE slug = $1`, seed.DemoOrgSlug); err != nil {
		t.Fatal(err)
	}
	inv, _ := env.Client.GetMyOrderInvoiceWithResponse(ctx, list.JSON200.Items[0].ID, as)
	if inv.StatusCode() != 200 || len(inv.Body) < 1000 {
		t.Fatalf("invoice: %d %.200s", inv.StatusCode(), inv.Body)
	}
}
