package commerce

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/documents"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// PublishDocumentArgs ask for an order's invoice or act to be put into the
// learner's document archive. The job is inserted in the transaction that
// numbers the document (the order for an invoice, the first download for
// an act), so the PDF is rendered outside the request.
type PublishDocumentArgs struct {
	OrderID  uuid.UUID `json:"order_id"`
	Document string    `json:"document"` // invoice or act
}

// Kind names the job in River.
func (PublishDocumentArgs) Kind() string { return "commerce_publish_document" }

// archiveTypes map an order document's kind to the archive's source and type.
var archiveTypes = map[string]struct{ source, docType, title string }{
	docInvoice: {documents.SourceInvoice, "invoice", "Счёт на оплату"},
	docAct:     {documents.SourceAct, "act", "Акт оказанных услуг"},
}

// queuePublish inserts the job that publishes the order's document of kind.
func (s *Handler) queuePublish(ctx context.Context, tx pgx.Tx, orderID uuid.UUID, kind string) error {
	if _, err := s.ins.InsertTx(ctx, tx, PublishDocumentArgs{OrderID: orderID, Document: kind}, nil); err != nil {
		return fmt.Errorf("commerce: publish job: %w", err)
	}
	return nil
}

// PublishDocument renders the order's invoice or act once and publishes a
// copy of it (its own blob, which the archive then owns) into the
// learner's archive: source "invoice" or "act" with the order's id, issued
// by the organization on the document's date. A document already
// published is left alone, so a retried or repeated job publishes once
// (under the source's advisory lock). The invoice comes with the archive's
// "new document" notice; the act with a payment notice that it is ready.
// Missing organization requisites are an error: River retries, and the
// document is published once staff fill them in.
func (s *Handler) PublishDocument(ctx context.Context, orderID uuid.UUID, kind string) error {
	at, ok := archiveTypes[kind]
	if !ok {
		return fmt.Errorf("commerce: no document kind %q", kind)
	}
	source, sourceID := at.source, orderID.String()
	if done, err := s.published(ctx, s.Q, source, sourceID); done || err != nil {
		return err
	}
	o, err := s.Q.GetOrder(ctx, orderID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // erased with its account meanwhile
	}
	if err != nil {
		return err
	}
	num, err := s.Q.GetOrderDocument(ctx, db.GetOrderDocumentParams{OrderID: o.ID, Kind: kind})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // not numbered: nothing to publish (never number an act here)
	}
	if err != nil {
		return err
	}
	pd, err := s.document(ctx, o, kind)
	var dp *docProblem
	if errors.As(err, &dp) {
		return fmt.Errorf("commerce: publish the %s of order %s: %s", kind, o.ID, dp.detail)
	}
	if err != nil {
		return err
	}
	obj, err := s.blobs.Upload(ctx, bytes.NewReader(pd.body), blob.UploadOptions{
		Prefix: "documents/" + kind, MaxSize: int64(len(pd.body)), Allowed: []string{blob.TypePDF},
	})
	if err != nil {
		return fmt.Errorf("commerce: store the %s copy: %w", kind, err)
	}
	kept := false
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		if err := q.LockDocumentSource(ctx, db.LockDocumentSourceParams{Source: source, SourceID: sourceID}); err != nil {
			return err
		}
		if done, err := s.published(ctx, q, source, sourceID); done || err != nil {
			return err
		}
		org, err := q.GetOrganization(ctx, o.OrganizationID)
		if err != nil {
			return err
		}
		program, err := q.OrderTitle(ctx, o.ID)
		if err != nil {
			return err
		}
		title := fmt.Sprintf("%s № %s — «%s»", at.title, num.Number, program)
		if r := []rune(title); len(r) > 300 {
			title = string(r[:299]) + "…"
		}
		issuer := org.LegalName
		if issuer == "" {
			issuer = org.Name
		}
		var pub *notifications.Publisher
		if kind == docInvoice {
			pub = s.pub
		}
		docID, err := documents.Publish(ctx, tx, pub, documents.Issued{
			OwnerID: o.UserID, OrganizationID: o.OrganizationID, Type: at.docType, Title: title, IssuedBy: issuer,
			Date: num.IssuedOn.Time, Source: source, SourceID: sourceID, BlobKey: obj.Key, FileName: pd.name,
			ContentType: obj.ContentType, Size: obj.Size, SHA256: obj.SHA256,
		})
		if err != nil {
			return err
		}
		kept = true
		if kind == docAct {
			return s.tellAct(ctx, tx, o, num, program, docID)
		}
		return nil
	})
	if err != nil || !kept {
		if derr := s.blobs.Delete(context.WithoutCancel(ctx), obj.Key); derr != nil {
			s.Log.WarnContext(ctx, "delete an unpublished document copy", "key", obj.Key, "err", derr)
		}
	}
	return err
}

// published reports whether the source document is in the archive already.
func (s *Handler) published(ctx context.Context, q *db.Queries, source, sourceID string) (bool, error) {
	_, err := q.GetSourceCurrentVersion(ctx, db.GetSourceCurrentVersionParams{Source: &source, SourceID: &sourceID})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// tellAct tells the learner the order's act is ready, linking to its copy
// in the archive.
func (s *Handler) tellAct(ctx context.Context, tx pgx.Tx, o db.Order, act db.OrderDocument, program string, docID uuid.UUID) error {
	return s.pub.Publish(ctx, tx, notifications.Event{
		UserID: o.UserID, OrganizationID: &o.OrganizationID, Category: notifications.CategoryPayment,
		Title: notifications.Text{RU: "Акт № " + act.Number + " готов", EN: "Act No. " + act.Number + " is ready"},
		Body: notifications.Text{
			RU: fmt.Sprintf("«%s»: акт оказанных услуг по заказу, оплаченному работодателем, — в ваших документах.", program),
			EN: fmt.Sprintf("“%s”: the act of services for the order your employer paid is in your documents.", program),
		},
		Link: &notifications.Link{Kind: "document", ID: docID.String(), Path: "/documents/" + docID.String()},
	})
}

// publishWorker works PublishDocumentArgs.
type publishWorker struct {
	river.WorkerDefaults[PublishDocumentArgs]
	h *Handler
}

// Timeout bounds one run: a render and an upload.
func (w *publishWorker) Timeout(*river.Job[PublishDocumentArgs]) time.Duration {
	return 2 * time.Minute
}

// Work publishes the document; River retries a failed run.
func (w *publishWorker) Work(ctx context.Context, job *river.Job[PublishDocumentArgs]) error {
	return w.h.PublishDocument(ctx, job.Args.OrderID, job.Args.Document)
}
