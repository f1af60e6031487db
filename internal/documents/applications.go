package documents

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
)

// SourceApplication is the Source of the files of applications published
// into their applicants' archives; the SourceID is "<application>/<kind>".
const SourceApplication = "application"

// PublishApplicationArgs ask for an application's files to be copied into
// its applicant's archive; enrollment inserts the job in the transaction
// that submits the application.
type PublishApplicationArgs struct {
	ApplicationID uuid.UUID `json:"application_id"`
}

// Kind names the job.
func (PublishApplicationArgs) Kind() string { return "documents_publish_application" }

// kindTitles name the checklist's kinds in the archive.
var kindTitles = map[string]string{
	"passport": "Паспорт", "prior_education_diploma": "Документ об образовании",
	"name_change_certificate": "Документ о смене фамилии", "snils": "СНИЛС", "photo": "Фотография",
	"employment_record": "Трудовая книжка", "other": "Документ",
}

// ApplicationWorker copies an application's files into the applicant's
// archive, each as the document (source "application", id
// "<application>/<kind>"), issued by the application's organization. The
// archive keeps copies, never the application's blobs: enrollment replaces
// and deletes those on its own. A file already current in the archive is
// not copied again, and a replaced one becomes the document's next
// version, so running the job twice, or on every resubmission, is safe.
type ApplicationWorker struct {
	river.WorkerDefaults[PublishApplicationArgs]
	Pool  *pgxpool.Pool
	Blobs *blob.Store
	Log   *slog.Logger
}

// Timeout bounds one run.
func (w *ApplicationWorker) Timeout(*river.Job[PublishApplicationArgs]) time.Duration {
	return 10 * time.Minute
}

// Work publishes the application's files.
func (w *ApplicationWorker) Work(ctx context.Context, job *river.Job[PublishApplicationArgs]) error {
	return w.Publish(ctx, job.Args.ApplicationID)
}

// Publish copies the files of application id into its applicant's archive.
func (w *ApplicationWorker) Publish(ctx context.Context, id uuid.UUID) error {
	q := db.New(w.Pool)
	a, err := q.GetApplicationForArchive(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // erased with its account meanwhile
	}
	if err != nil {
		return fmt.Errorf("publish application %s: %w", id, err)
	}
	docs, err := q.ListApplicationDocuments(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("publish application %s: %w", id, err)
	}
	for _, d := range docs {
		if err := w.publishOne(ctx, q, a, d); err != nil {
			return fmt.Errorf("publish application %s, %s: %w", id, d.Kind, err)
		}
	}
	return nil
}

func (w *ApplicationWorker) publishOne(ctx context.Context, q *db.Queries, a db.GetApplicationForArchiveRow, d db.ApplicationDocument) error {
	source, sourceID := SourceApplication, a.ID.String()+"/"+d.Kind
	cur, err := q.GetSourceCurrentVersion(ctx, db.GetSourceCurrentVersionParams{Source: &source, SourceID: &sourceID})
	switch {
	case err == nil && cur.Sha256 == d.Sha256:
		return nil
	case err != nil && !errors.Is(err, pgx.ErrNoRows):
		return err
	}
	rd, err := w.Blobs.Reader(ctx, d.BlobKey)
	if errors.Is(err, blob.ErrNotFound) {
		return nil // replaced since: the next submission publishes the new one
	}
	if err != nil {
		return err
	}
	obj, err := w.Blobs.Upload(ctx, rd, blob.UploadOptions{Prefix: "documents/applications", MaxSize: d.SizeBytes, Allowed: blob.DocumentTypes()})
	rd.Close()
	if err != nil {
		return err
	}
	title := kindTitles[d.Kind]
	if title == "" {
		title = "Документ"
	}
	title = clip(title + " — заявление на «" + a.ProgramTitle + "»")
	var kept bool
	err = pgx.BeginFunc(ctx, w.Pool, func(tx pgx.Tx) error {
		docID, err := Publish(ctx, tx, nil, Issued{
			OwnerID: a.UserID, OrganizationID: a.OrganizationID, Type: "other", Title: title, IssuedBy: a.OrganizationName,
			Date: d.CreatedAt, Source: source, SourceID: sourceID, BlobKey: obj.Key, FileName: d.FileName,
			ContentType: obj.ContentType, Size: obj.Size, SHA256: obj.SHA256,
		})
		if err != nil {
			return err
		}
		v, err := db.New(tx).ListDocumentBlobKeys(ctx, docID)
		for _, k := range v {
			kept = kept || k == obj.Key
		}
		return err
	})
	if err != nil || !kept {
		if derr := w.Blobs.Delete(context.WithoutCancel(ctx), obj.Key); derr != nil {
			w.Log.Warn("delete unpublished application copy", "key", obj.Key, "error", derr)
		}
	}
	return err
}
