package commerce_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// archived lists the learner's archive entries published from source.
func (s *shop) archived(t *testing.T, token, source string) []client.Document {
	t.Helper()
	res, err := s.env.Client.ListMyDocumentsWithResponse(context.Background(), &client.ListMyDocumentsParams{}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("my documents: %d %s", res.StatusCode(), res.Body)
	}
	var out []client.Document
	for _, d := range res.JSON200.Items {
		if d.Source != nil && *d.Source == source {
			out = append(out, d)
		}
	}
	return out
}

// wantPDF downloads an archive entry's current version and requires a PDF.
func (s *shop) wantPDF(t *testing.T, token string, d client.Document) {
	t.Helper()
	if d.CurrentVersion == nil {
		t.Fatalf("%s has no file", d.Title)
	}
	dl, err := s.env.Client.DownloadDocumentVersionWithResponse(context.Background(), d.ID, d.CurrentVersion.Number, &client.DownloadDocumentVersionParams{}, apitest.Bearer(token))
	if err != nil || dl.StatusCode() != http.StatusOK || dl.HTTPResponse.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(dl.Body, []byte("%PDF")) {
		t.Fatalf("download %s: %v %d %q", d.Title, err, dl.StatusCode(), dl.HTTPResponse.Header.Get("Content-Type"))
	}
}

// An employer order's invoice reaches the learner's archive through the
// job its order inserts (once the organization's requisites allow the
// PDF), the act through the job its numbering inserts; each once however
// often the job runs; transfers and the act tell the learner.
func TestInvoiceAndActReachTheArchive(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	ctx := context.Background()
	l := s.learner(t)
	app, _ := s.seat(t, l.User.ID, 2000000, 30, 10)
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}, Employer: employer()})
	if c := s.count(t, `SELECT count(*) FROM river_job WHERE kind = 'commerce_publish_document' AND args->>'order_id' = $1`, o.ID.String()); c != 1 {
		t.Fatalf("%d publish jobs after the order", c)
	}
	h := s.reconciler(t)
	if err := h.PublishDocument(ctx, o.ID, "invoice"); err == nil || !strings.Contains(err.Error(), "requisites") {
		t.Fatalf("published without the organization's requisites: %v", err)
	}
	if d := s.archived(t, l.AccessToken, "invoice"); len(d) != 0 {
		t.Fatalf("archive: %+v", d)
	}
	s.requisites(t)
	for range 2 {
		if err := h.PublishDocument(ctx, o.ID, "invoice"); err != nil {
			t.Fatal(err)
		}
	}
	inv := s.archived(t, l.AccessToken, "invoice")
	if len(inv) != 1 || inv[0].Type != client.DocumentTypeInvoice || !strings.HasPrefix(inv[0].Title, "Счёт на оплату № ") ||
		inv[0].IssuedBy != "АНО ДПО «Экстерн»" || inv[0].DocumentDate == nil || inv[0].CurrentVersion.Number != 1 {
		t.Fatalf("invoice in the archive: %+v", inv)
	}
	s.wantPDF(t, l.AccessToken, inv[0])
	if n := s.inbox(t, l.AccessToken, client.NotificationCategoryDocument); len(n) != 1 {
		t.Fatalf("document notices: %+v", n)
	}
	// The act is not numbered yet: its job publishes nothing.
	if err := h.PublishDocument(ctx, o.ID, "act"); err != nil {
		t.Fatal(err)
	}
	tr, _ := s.env.Client.RecordBankTransferWithResponse(ctx, s.org.ID, o.ID, &client.RecordBankTransferParams{IdempotencyKey: uuid.NewString()}, transfer(2000000, "41"), s.org.As("manager"))
	if tr.JSON201 == nil {
		t.Fatalf("transfer: %d %s", tr.StatusCode(), tr.Body)
	}
	paid := s.inbox(t, l.AccessToken, client.NotificationCategoryPayment)
	if len(paid) != 1 || !strings.HasPrefix(paid[0].Title, "Поступил банковский перевод") || !strings.Contains(paid[0].Body, "№ 41") || !strings.Contains(paid[0].Body, "оплачен полностью") {
		t.Fatalf("transfer notices: %+v", paid)
	}
	if _, err := s.env.Pool.Exec(ctx, `UPDATE study_groups SET starts_on = current_date - 20, ends_on = current_date - 1 WHERE id = (SELECT group_id FROM applications WHERE id = $1)`, app); err != nil {
		t.Fatal(err)
	}
	act, _ := s.env.Client.GetOrderActWithResponse(ctx, s.org.ID, o.ID, s.org.As("director"))
	if act.StatusCode() != http.StatusOK {
		t.Fatalf("act: %d %s", act.StatusCode(), act.Body)
	}
	if c := s.count(t, `SELECT count(*) FROM river_job WHERE kind = 'commerce_publish_document' AND args->>'document' = 'act'`); c != 1 {
		t.Fatalf("%d act publish jobs", c)
	}
	for range 2 {
		if err := h.PublishDocument(ctx, o.ID, "act"); err != nil {
			t.Fatal(err)
		}
	}
	acts := s.archived(t, l.AccessToken, "act")
	if len(acts) != 1 || acts[0].Type != client.DocumentTypeAct || !strings.HasPrefix(acts[0].Title, "Акт оказанных услуг № ") {
		t.Fatalf("act in the archive: %+v", acts)
	}
	s.wantPDF(t, l.AccessToken, acts[0])
	paid = s.inbox(t, l.AccessToken, client.NotificationCategoryPayment)
	if len(paid) != 2 || !strings.HasPrefix(paid[0].Title, "Акт № ") || paid[0].Link == nil || paid[0].Link.ID != acts[0].ID.String() {
		t.Fatalf("act notices: %+v", paid)
	}
	// The download endpoints still serve the documents.
	if mi, _ := s.env.Client.GetMyOrderInvoiceWithResponse(ctx, o.ID, apitest.Bearer(l.AccessToken)); mi.StatusCode() != http.StatusOK {
		t.Fatalf("invoice download: %d", mi.StatusCode())
	}
}
