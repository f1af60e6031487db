package documents

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/notifications"
)

// Issued is a document another domain publishes into a learner's archive:
// an invoice, an act, a completion document, an application's file.
type Issued struct {
	OwnerID        uuid.UUID // the learner whose archive receives it
	OrganizationID uuid.UUID // the issuer; its staff manage the document
	Type           string    // contract, invoice, act, certificate, statement or other
	Title          string
	IssuedBy       string    // free text, e.g. the organization's name
	Date           time.Time // the document's date; zero for none
	// Source and SourceID name the document in its domain ("invoice",
	// the invoice's id): the same pair publishes one document, and a later
	// call with another file adds a version to it.
	Source, SourceID string
	// The file, already in blob storage. From this call on the archive
	// owns the blob: it deletes it when the document is purged, so the
	// caller must not delete it nor hand the same key to anyone else.
	BlobKey, FileName, ContentType string
	Size                           int64
	SHA256                         string // lower-case hex
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (d Issued) check() error {
	var bad []string
	if d.OwnerID == uuid.Nil || d.OrganizationID == uuid.Nil {
		bad = append(bad, "owner and organization are required")
	}
	if !db.DocumentType(d.Type).Valid() {
		bad = append(bad, fmt.Sprintf("unknown type %q", d.Type))
	}
	if strings.TrimSpace(d.Title) == "" || utf8.RuneCountInString(d.Title) > 300 {
		bad = append(bad, "title must be 1 to 300 characters")
	}
	if d.Source == "" || d.SourceID == "" {
		bad = append(bad, "source and source id are required")
	}
	if d.BlobKey == "" || d.FileName == "" || d.ContentType == "" || d.Size <= 0 || !sha256Hex.MatchString(d.SHA256) {
		bad = append(bad, "the file (key, name, type, size, sha256) is incomplete")
	}
	if len(bad) > 0 {
		return fmt.Errorf("documents.Publish: %s", strings.Join(bad, "; "))
	}
	return nil
}

// Publish puts an issued document into its owner's archive inside tx, the
// transaction of the change that issues it, and returns the document's id.
// The first call for a source document creates it with version 1 and tells
// the owner (category "document", when notify is not nil); a later call
// with another file (another SHA-256) adds a version; a call with the
// current file again changes nothing, so a retried job publishes once.
// Calls for one source document are serialized by an advisory lock.
func Publish(ctx context.Context, tx pgx.Tx, notify *notifications.Publisher, d Issued) (uuid.UUID, error) {
	if err := d.check(); err != nil {
		return uuid.Nil, err
	}
	q := db.New(tx)
	if err := q.LockDocumentSource(ctx, db.LockDocumentSourceParams{Source: d.Source, SourceID: d.SourceID}); err != nil {
		return uuid.Nil, err
	}
	doc, err := q.GetDocumentBySource(ctx, db.GetDocumentBySourceParams{Source: &d.Source, SourceID: &d.SourceID})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		date := pgtype.Date{}
		if !d.Date.IsZero() {
			date = pgtype.Date{Time: d.Date.UTC(), Valid: true}
		}
		doc, err = q.CreateDocument(ctx, db.CreateDocumentParams{
			OwnerID: &d.OwnerID, IssuerOrganizationID: &d.OrganizationID, Title: strings.TrimSpace(d.Title),
			Type: db.DocumentType(d.Type), Tags: []string{}, IssuedBy: strings.TrimSpace(d.IssuedBy), DocumentDate: date,
			Metadata: []byte("{}"), Source: &d.Source, SourceID: &d.SourceID,
		})
		if err != nil {
			return uuid.Nil, err
		}
	case err != nil:
		return uuid.Nil, err
	default:
		if cur, err := q.GetDocumentVersion(ctx, db.GetDocumentVersionParams{DocumentID: doc.ID, Number: doc.CurrentVersion}); err == nil {
			if cur.Sha256 == d.SHA256 || cur.BlobKey == d.BlobKey {
				return doc.ID, nil
			}
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return uuid.Nil, err
		}
	}
	v, err := q.CreateDocumentVersion(ctx, db.CreateDocumentVersionParams{
		DocumentID: doc.ID, Number: doc.CurrentVersion + 1, BlobKey: d.BlobKey, FileName: FileName(d.FileName, d.Title, d.ContentType),
		ContentType: d.ContentType, SizeBytes: d.Size, Sha256: d.SHA256,
	})
	if err != nil {
		return uuid.Nil, err
	}
	if doc, err = q.SetDocumentCurrentVersion(ctx, db.SetDocumentCurrentVersionParams{ID: doc.ID, CurrentVersion: v.Number}); err != nil {
		return uuid.Nil, err
	}
	return doc.ID, tell(ctx, tx, notify, doc, v.Number)
}

// tellOwner notifies the owner of a document someone else gave them a file of.
func (s *Handler) tellOwner(ctx context.Context, tx pgx.Tx, d db.Document, number int32) error {
	return tell(ctx, tx, s.notify, d, number)
}

func tell(ctx context.Context, tx pgx.Tx, notify *notifications.Publisher, d db.Document, number int32) error {
	if notify == nil || d.OwnerID == nil {
		return nil
	}
	title := notifications.Text{RU: "Новый документ: " + d.Title, EN: "New document: " + d.Title}
	if number > 1 {
		title = notifications.Text{RU: "Новая версия документа: " + d.Title, EN: "New version of a document: " + d.Title}
	}
	title.RU, title.EN = clip(title.RU), clip(title.EN)
	return notify.Publish(ctx, tx, notifications.Event{
		UserID: *d.OwnerID, OrganizationID: d.IssuerOrganizationID, Category: notifications.CategoryDocument, Title: title,
		Link: &notifications.Link{Kind: "document", ID: d.ID.String(), Path: "/documents/" + d.ID.String()},
	})
}

// clip keeps a title within the 200 characters a notification allows.
func clip(s string) string {
	r := []rune(s)
	if len(r) <= 200 {
		return s
	}
	return string(r[:199]) + "…"
}
