package commerce_test

import (
	"bytes"
	"context"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/commerce"
)

// employer is a valid legal entity (ПАО Сбербанк's public requisites).
func employer() *client.Employer {
	return &client.Employer{
		Name: "ООО «Ромашка»", Inn: "7707083893", Kpp: "773601001", LegalAddress: new("Москва, ул. Ленина, 1"),
		BankName: new("ПАО Сбербанк"), Bik: new("044525225"), SettlementAccount: new("40702810638000000000"),
		CorrespondentAccount: new("30101810400000000225"), Signatory: new("Петров П. П."),
	}
}

// requisites gives the shop's organization what an invoice needs.
func (s *shop) requisites(t *testing.T) {
	t.Helper()
	if _, err := s.env.Pool.Exec(context.Background(), `UPDATE organizations SET legal_name = 'АНО ДПО «Экстерн»', inn = '7728168971', kpp = '772801001',
		legal_address = 'Москва, ул. Учебная, 5', bank_name = 'АО «Альфа-Банк»', bik = '044525593',
		settlement_account = '40702810638000000000', correspondent_account = '30101810200000000593' WHERE id = $1`, s.org.ID); err != nil {
		t.Fatal(err)
	}
}

// pdfText extracts a PDF's text with pdftotext, or "" when it is missing.
func pdfText(t *testing.T, body []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		return ""
	}
	cmd := exec.Command("pdftotext", "-", "-")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func transfer(amount int64, number string) client.BankTransferRequest {
	return client.BankTransferRequest{Amount: amount, DocumentNumber: number, PaidOn: openapi_types.Date{Time: time.Now().UTC().AddDate(0, 0, -1)}}
}

func TestEmployerPaysByInvoiceAndBankTransfer(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	ctx := context.Background()
	l, other := s.learner(t), s.learner(t)
	app, program := s.seat(t, l.User.ID, 3000000, 30, 10)
	// Bad requisites are refused by field.
	bad := employer()
	bad.Inn = "7707083894"
	r, _ := s.env.Client.CreateOrderWithResponse(ctx, &client.CreateOrderParams{IdempotencyKey: uuid.NewString()},
		client.OrderRequest{ApplicationIds: []uuid.UUID{app}, Employer: bad}, apitest.Bearer(l.AccessToken))
	if p := apitest.WantProblem(t, r.HTTPResponse, r.Body, http.StatusUnprocessableEntity, "validation_failed"); !apitest.Contains(apitest.Fields(p), "employer.inn:invalid_checksum") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	bad = employer()
	bad.SettlementAccount = new("40702810938000000000")
	r, _ = s.env.Client.CreateOrderWithResponse(ctx, &client.CreateOrderParams{IdempotencyKey: uuid.NewString()},
		client.OrderRequest{ApplicationIds: []uuid.UUID{app}, Employer: bad}, apitest.Bearer(l.AccessToken))
	if p := apitest.WantProblem(t, r.HTTPResponse, r.Body, http.StatusUnprocessableEntity, "validation_failed"); !apitest.Contains(apitest.Fields(p), "employer.settlementAccount:invalid_checksum") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}, Employer: employer()})
	if o.Employer == nil || o.Employer.Inn != "7707083893" || o.Status != "awaiting_payment" {
		t.Fatalf("order: %+v", o)
	}
	// The invoice needs the organization's requisites first.
	inv, _ := s.env.Client.GetMyOrderInvoiceWithResponse(ctx, o.ID, apitest.Bearer(l.AccessToken))
	apitest.WantProblem(t, inv.HTTPResponse, inv.Body, http.StatusConflict, "organization_requisites_missing")
	s.requisites(t)
	inv, _ = s.env.Client.GetMyOrderInvoiceWithResponse(ctx, o.ID, apitest.Bearer(l.AccessToken))
	if inv.StatusCode() != http.StatusOK || !bytes.HasPrefix(inv.Body, []byte("%PDF")) || !strings.Contains(inv.HTTPResponse.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("invoice: %d %.100s", inv.StatusCode(), inv.Body)
	}
	var number string
	if err := s.env.Pool.QueryRow(ctx, `SELECT number FROM order_documents WHERE order_id = $1 AND kind = 'invoice'`, o.ID).Scan(&number); err != nil {
		t.Fatal(err)
	}
	if want := time.Now().UTC().Format("2006") + "-00001"; number != want {
		t.Fatalf("invoice number %q, want %q", number, want)
	}
	if text := pdfText(t, inv.Body); text != "" {
		for _, want := range []string{"Счёт на оплату № " + number, "ООО «Ромашка»", "ИНН 7707083893", "044525593", "Тридцать тысяч рублей 00 копеек"} {
			if !strings.Contains(text, want) {
				t.Errorf("invoice lacks %q:\n%s", want, text)
			}
		}
	}
	// Nobody else sees it; the learner does not pay it online.
	oi, _ := s.env.Client.GetMyOrderInvoiceWithResponse(ctx, o.ID, apitest.Bearer(other.AccessToken))
	apitest.WantProblem(t, oi.HTTPResponse, oi.Body, http.StatusNotFound, "not_found")
	stranger := apitest.NewStaffOrg(t, s.env, "other-"+apitest.Itoa(apitest.Seq.Add(1)))
	si, _ := s.env.Client.GetOrderInvoiceWithResponse(ctx, stranger.ID, o.ID, stranger.As("manager"))
	apitest.WantProblem(t, si.HTTPResponse, si.Body, http.StatusNotFound, "not_found")
	sa, _ := s.env.Client.GetMyOrderActWithResponse(ctx, o.ID, apitest.Bearer(other.AccessToken))
	apitest.WantProblem(t, sa.HTTPResponse, sa.Body, http.StatusNotFound, "not_found")
	// Staff of another organization cannot record a transfer for this order.
	st, _ := s.env.Client.RecordBankTransferWithResponse(ctx, stranger.ID, o.ID, &client.RecordBankTransferParams{IdempotencyKey: uuid.NewString()}, transfer(1000, "1"), stranger.As("manager"))
	apitest.WantProblem(t, st.HTTPResponse, st.Body, http.StatusNotFound, "not_found")
	cp, _ := s.env.Client.CreatePaymentWithResponse(ctx, o.ID, &client.CreatePaymentParams{IdempotencyKey: uuid.NewString()}, client.PaymentRequest{}, apitest.Bearer(l.AccessToken))
	apitest.WantProblem(t, cp.HTTPResponse, cp.Body, http.StatusConflict, "employer_pays")
	act, _ := s.env.Client.GetMyOrderActWithResponse(ctx, o.ID, apitest.Bearer(l.AccessToken))
	apitest.WantProblem(t, act.HTTPResponse, act.Body, http.StatusConflict, "act_not_ready")

	// Staff record the transfers: a learner may not, nor more than is due.
	key := &client.RecordBankTransferParams{IdempotencyKey: uuid.NewString()}
	denied, _ := s.env.Client.RecordBankTransferWithResponse(ctx, s.org.ID, o.ID, key, transfer(1000000, "17"), apitest.Bearer(l.AccessToken))
	apitest.WantProblem(t, denied.HTTPResponse, denied.Body, http.StatusForbidden, "forbidden")
	over, _ := s.env.Client.RecordBankTransferWithResponse(ctx, s.org.ID, o.ID, &client.RecordBankTransferParams{IdempotencyKey: uuid.NewString()}, transfer(3000001, "17"), s.org.As("manager"))
	if p := apitest.WantProblem(t, over.HTTPResponse, over.Body, http.StatusUnprocessableEntity, "validation_failed"); !apitest.Contains(apitest.Fields(p), "amount:exceeds_due") {
		t.Fatalf("over: %s", over.Body)
	}
	first, _ := s.env.Client.RecordBankTransferWithResponse(ctx, s.org.ID, o.ID, key, transfer(1000000, "17"), s.org.As("manager"))
	if first.JSON201 == nil || first.JSON201.Purpose != "bank_transfer" || first.JSON201.Status != "succeeded" || *first.JSON201.BankDocumentNumber != "17" {
		t.Fatalf("transfer: %d %s", first.StatusCode(), first.Body)
	}
	replay, _ := s.env.Client.RecordBankTransferWithResponse(ctx, s.org.ID, o.ID, key, transfer(1000000, "17"), s.org.As("manager"))
	if replay.JSON201 == nil || replay.JSON201.ID != first.JSON201.ID || replay.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s", replay.StatusCode(), replay.Body)
	}
	if got := s.getOrder(t, l.AccessToken, o.ID); got.Status != "in_progress" || got.Paid != 1000000 || got.Due != 2000000 {
		t.Fatalf("after the first transfer: %+v", got)
	}
	// The same payment order recorded concurrently under different keys: once.
	const n = 8
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			res, err := s.env.Client.RecordBankTransferWithResponse(ctx, s.org.ID, o.ID, &client.RecordBankTransferParams{IdempotencyKey: uuid.NewString()}, transfer(2000000, "18"), s.org.As("admin"))
			if err != nil {
				t.Error(err)
				return
			}
			if res.StatusCode() == http.StatusConflict {
				apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "transfer_already_recorded")
			}
			codes <- res.StatusCode()
		})
	}
	wg.Wait()
	close(codes)
	created := 0
	for c := range codes {
		if c == http.StatusCreated {
			created++
		} else if c != http.StatusConflict {
			t.Errorf("status %d", c)
		}
	}
	if created != 1 {
		t.Fatalf("%d transfers recorded, want 1", created)
	}
	got := s.getOrder(t, l.AccessToken, o.ID)
	if got.Status != "paid" || got.Paid != 3000000 || got.Due != 0 {
		t.Fatalf("after the second transfer: %+v", got)
	}
	if c := s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND event = 'payment_succeeded' AND cause = 'staff' AND actor_id IS NOT NULL`, o.ID); c != 2 {
		t.Fatalf("%d payment events", c)
	}
	if ok, err := commerce.PaidInFull(ctx, db.New(s.env.Pool), l.User.ID, program); err != nil || !ok {
		t.Fatalf("paid in full: %v %v", ok, err)
	}
	// Staff see the order with its employer and who recorded what.
	so, _ := s.env.Client.GetOrganizationOrderWithResponse(ctx, s.org.ID, o.ID, s.org.As("director"))
	if so.JSON200 == nil || so.JSON200.Employer == nil || so.JSON200.Paid != 3000000 || len(so.JSON200.History) != 3 || so.JSON200.History[1].ActorID == nil {
		t.Fatalf("staff order: %s", so.Body)
	}
	xo, _ := s.env.Client.GetOrganizationOrderWithResponse(ctx, stranger.ID, o.ID, stranger.As("director"))
	apitest.WantProblem(t, xo.HTTPResponse, xo.Body, http.StatusNotFound, "not_found")
	lo, _ := s.env.Client.GetOrganizationOrderWithResponse(ctx, s.org.ID, o.ID, apitest.Bearer(l.AccessToken))
	apitest.WantProblem(t, lo.HTTPResponse, lo.Body, http.StatusForbidden, "forbidden")
	paid, _ := s.env.Client.RecordBankTransferWithResponse(ctx, s.org.ID, o.ID, &client.RecordBankTransferParams{IdempotencyKey: uuid.NewString()}, transfer(1, "19"), s.org.As("manager"))
	apitest.WantProblem(t, paid.HTTPResponse, paid.Body, http.StatusConflict, "order_not_payable")

	// The act follows the group's end, numbered once.
	act, _ = s.env.Client.GetMyOrderActWithResponse(ctx, o.ID, apitest.Bearer(l.AccessToken))
	if p := apitest.WantProblem(t, act.HTTPResponse, act.Body, http.StatusConflict, "act_not_ready"); !strings.Contains(*p.Detail, "not ended") {
		t.Fatalf("act: %s", act.Body)
	}
	if _, err := s.env.Pool.Exec(ctx, `UPDATE study_groups SET starts_on = current_date - 20, ends_on = current_date - 1 WHERE id = (SELECT group_id FROM applications WHERE id = $1)`, app); err != nil {
		t.Fatal(err)
	}
	var wga sync.WaitGroup
	for range 4 {
		wga.Go(func() {
			a, err := s.env.Client.GetOrderActWithResponse(ctx, s.org.ID, o.ID, s.org.As("director"))
			if err != nil || a.StatusCode() != http.StatusOK || !bytes.HasPrefix(a.Body, []byte("%PDF")) {
				t.Errorf("act: %v %d", err, a.StatusCode())
			}
		})
	}
	wga.Wait()
	act, _ = s.env.Client.GetMyOrderActWithResponse(ctx, o.ID, apitest.Bearer(l.AccessToken))
	if act.StatusCode() != http.StatusOK {
		t.Fatalf("act: %d %s", act.StatusCode(), act.Body)
	}
	if c := s.count(t, `SELECT count(*) FROM order_documents WHERE order_id = $1 AND kind = 'act'`, o.ID); c != 1 {
		t.Fatalf("%d acts", c)
	}
	if text := pdfText(t, act.Body); text != "" && (!strings.Contains(text, "Акт №") || !strings.Contains(text, "Счёт № "+number)) {
		t.Errorf("act text:\n%s", text)
	}
	list, _ := s.env.Client.ListInvoicesWithResponse(ctx, s.org.ID, &client.ListInvoicesParams{Status: new(client.ListInvoicesParamsStatus("paid"))}, s.org.As("manager"))
	if list.JSON200 == nil || len(list.JSON200.Items) != 1 || list.JSON200.Items[0].Number != number || list.JSON200.Items[0].ActNumber == nil || list.JSON200.Items[0].Paid != 3000000 {
		t.Fatalf("invoices: %s", list.Body)
	}
	none, _ := s.env.Client.ListInvoicesWithResponse(ctx, s.org.ID, &client.ListInvoicesParams{Status: new(client.ListInvoicesParamsStatus("unpaid"))}, s.org.As("manager"))
	if none.JSON200 == nil || len(none.JSON200.Items) != 0 {
		t.Fatalf("unpaid invoices: %s", none.Body)
	}
	li, _ := s.env.Client.ListInvoicesWithResponse(ctx, s.org.ID, &client.ListInvoicesParams{}, apitest.Bearer(l.AccessToken))
	apitest.WantProblem(t, li.HTTPResponse, li.Body, http.StatusForbidden, "forbidden")
	// A learner's own order has no invoice.
	app2, _ := s.seat(t, l.User.ID, 100000, 30, 10)
	own := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app2}})
	ni, _ := s.env.Client.GetMyOrderInvoiceWithResponse(ctx, own.ID, apitest.Bearer(l.AccessToken))
	apitest.WantProblem(t, ni.HTTPResponse, ni.Body, http.StatusConflict, "no_invoice")
}
