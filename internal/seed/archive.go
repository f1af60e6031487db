package seed

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// demoFile is one version of a demo archive document: its file name and
// the (English: Helvetica has no Cyrillic) line of its one-page PDF.
type demoFile struct{ name, line string }

// demoArchiveDoc is a document of the demo archive.
type demoArchiveDoc struct {
	title    string
	kind     db.DocumentType
	tags     []string
	issuedBy string
	daysAgo  int
	files    []demoFile // the versions, oldest first
}

// The demo learner's folder and its documents: the contract in two
// versions (the draft, then the signed copy) and an application for
// admission.
const demoLearnerFolder = "Договоры и заявления"

var demoLearnerDocs = []demoArchiveDoc{
	{"Договор об оказании платных образовательных услуг № 2026-0157", db.DocumentTypeContract, []string{"договор", "фгос"},
		"Учебный центр «Экстерн»", 12, []demoFile{
			{"Договор 2026-0157 (проект).pdf", "Contract 2026-0157: draft"},
			{"Договор 2026-0157 (подписан).pdf", "Contract 2026-0157: signed by both parties"}}},
	{"Заявление о зачислении на программу повышения квалификации", db.DocumentTypeStatement, []string{"заявление"},
		"", 13, []demoFile{{"Заявление о зачислении.pdf", "Application for admission"}}},
}

// The demo organization's folder and the document shared with its teachers.
const demoOrgFolder = "Методические материалы"

var demoOrgDoc = demoArchiveDoc{"Положение об итоговой аттестации слушателей", db.DocumentTypeOther, []string{"положение", "аттестация"},
	"Учебный центр «Экстерн»", 30, []demoFile{{"Положение об итоговой аттестации.pdf", "Regulations on final assessment"}}}

// DemoDocuments fills the document archive (run it after Demo): the demo
// learner's folder with a contract in two versions and a statement, and
// the demo organization's folder with a regulation that every teacher of
// the organization may read. The files are one-page PDFs in blobs.
// Idempotent: a space that has its demo folder is left alone.
func DemoDocuments(ctx context.Context, pool *pgxpool.Pool, blobs *blob.Store, now time.Time) error {
	q := db.New(pool)
	org, err := q.GetOrganizationBySlug(ctx, DemoOrgSlug)
	if err != nil {
		return fmt.Errorf("demo organization: %w", err)
	}
	learner, err := q.GetUserByEmail(ctx, DemoUsers[4].Email)
	if err != nil {
		return err
	}
	manager, err := q.GetUserByEmail(ctx, DemoUsers[2].Email)
	if err != nil {
		return err
	}
	personal := space{owner: &learner.ID, by: learner.ID}
	if err := demoSpace(ctx, pool, blobs, personal, demoLearnerFolder, demoLearnerDocs, now); err != nil {
		return fmt.Errorf("demo personal documents: %w", err)
	}
	shared := space{org: &org.ID, by: manager.ID, shareWith: db.NullMemberRole{MemberRole: db.MemberRoleTeacher, Valid: true}}
	if err := demoSpace(ctx, pool, blobs, shared, demoOrgFolder, []demoArchiveDoc{demoOrgDoc}, now); err != nil {
		return fmt.Errorf("demo organization documents: %w", err)
	}
	return nil
}

// space is a document space: a user's (owner) or an organization's.
type space struct {
	owner, org *uuid.UUID
	by         uuid.UUID         // who uploads
	shareWith  db.NullMemberRole // organization documents: the role granted read access
}

// demoSpace creates folder in sp with docs in it, unless sp has a folder of
// that name; the blobs stored are deleted again when the transaction fails.
func demoSpace(ctx context.Context, pool *pgxpool.Pool, blobs *blob.Store, sp space, folder string, docs []demoArchiveDoc, now time.Time) error {
	q := db.New(pool)
	folders, err := q.ListDocumentFolders(ctx, db.ListDocumentFoldersParams{OwnerID: sp.owner, OrganizationID: sp.org, MaxRows: 1000})
	if err != nil {
		return err
	}
	for _, f := range folders {
		if f.DocumentFolder.Name == folder {
			return nil
		}
	}
	var stored []blob.Object
	defer func() {
		for _, o := range stored {
			_ = blobs.Delete(context.WithoutCancel(ctx), o.Key)
		}
	}()
	for _, d := range docs {
		for _, f := range d.files {
			obj, err := blobs.Upload(ctx, bytes.NewReader(linePDF(f.line)), blob.UploadOptions{
				Prefix: "documents/demo", MaxSize: 1 << 20, Allowed: []string{blob.TypePDF}})
			if err != nil {
				return err
			}
			stored = append(stored, obj)
		}
	}
	err = store.InTx(ctx, pool, func(q *db.Queries) error {
		fo, err := q.CreateDocumentFolder(ctx, db.CreateDocumentFolderParams{OwnerID: sp.owner, OrganizationID: sp.org, Name: folder})
		if err != nil {
			return err
		}
		next := 0
		for _, d := range docs {
			doc, err := q.CreateDocument(ctx, db.CreateDocumentParams{OwnerID: sp.owner, OrganizationID: sp.org, FolderID: &fo.ID,
				Title: d.title, Type: d.kind, Tags: d.tags, IssuedBy: d.issuedBy, Metadata: []byte("{}"), CreatedBy: &sp.by,
				DocumentDate: pgtype.Date{Time: now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -d.daysAgo), Valid: true}})
			if err != nil {
				return err
			}
			for i, f := range d.files {
				obj := stored[next]
				next++
				if _, err := q.CreateDocumentVersion(ctx, db.CreateDocumentVersionParams{DocumentID: doc.ID, Number: int32(i + 1),
					BlobKey: obj.Key, FileName: f.name, ContentType: obj.ContentType, SizeBytes: obj.Size, Sha256: obj.SHA256,
					UploadedBy: &sp.by}); err != nil {
					return err
				}
			}
			if _, err := q.SetDocumentCurrentVersion(ctx, db.SetDocumentCurrentVersionParams{ID: doc.ID, CurrentVersion: int32(len(d.files))}); err != nil {
				return err
			}
			if sp.shareWith.Valid {
				if _, err := q.PutDocumentRoleGrant(ctx, db.PutDocumentRoleGrantParams{DocumentID: doc.ID, OrganizationID: sp.org,
					Role: sp.shareWith, Permission: db.DocumentPermissionRead, GrantedBy: &sp.by}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil {
		stored = nil // the archive owns them now
	}
	return err
}

// linePDF is a valid one-page PDF showing line (ASCII, no parentheses or
// backslashes).
func linePDF(line string) []byte {
	content := fmt.Sprintf("BT /F1 18 Tf 72 760 Td (%s) Tj ET", line)
	return fmt.Appendf(nil, "%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"+
		"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"+
		"4 0 obj<</Length %d>>stream\n%s\nendstream endobj\n"+
		"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%%%EOF\n", len(content), content)
}
