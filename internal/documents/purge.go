package documents

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/jobs"
)

// PurgeArgs are the arguments of the periodic purge of deleted documents.
type PurgeArgs struct{}

// Kind names the job.
func (PurgeArgs) Kind() string { return "documents_purge" }

// purgeBatch bounds one run; the next run takes the rest.
const purgeBatch = 200

// PurgeWorker removes documents deleted more than the retention ago, with
// the blobs of all their versions.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	Q         *db.Queries
	Blobs     *blob.Store
	Retention time.Duration
	Log       *slog.Logger
	Now       func() time.Time
}

// Timeout bounds one run.
func (w *PurgeWorker) Timeout(*river.Job[PurgeArgs]) time.Duration { return 10 * time.Minute }

// Work purges one batch; River retries a failed run.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	n, err := w.Purge(ctx)
	if n > 0 {
		w.Log.InfoContext(ctx, "documents: purged deleted documents", "documents", n)
	}
	return err
}

// Purge removes up to one batch of documents past their retention and
// returns how many. Blobs go first and the row last, so a run cut off
// midway leaves a row whose blobs are partly gone, which the next run
// finishes (deleting a missing blob is not an error): it is idempotent.
func (w *PurgeWorker) Purge(ctx context.Context) (int, error) {
	before := w.Now().Add(-w.Retention)
	ids, err := w.Q.ListPurgeableDocuments(ctx, db.ListPurgeableDocumentsParams{Before: &before, MaxRows: purgeBatch})
	if err != nil {
		return 0, fmt.Errorf("documents purge: %w", err)
	}
	purged := 0
	for _, id := range ids {
		keys, err := w.Q.ListDocumentBlobKeys(ctx, id)
		if err != nil {
			return purged, fmt.Errorf("documents purge: %w", err)
		}
		for _, k := range keys {
			if err := w.Blobs.Delete(ctx, k); err != nil {
				return purged, fmt.Errorf("documents purge: %w", err)
			}
		}
		n, err := w.Q.PurgeDocument(ctx, db.PurgeDocumentParams{ID: id, Before: &before})
		if err != nil {
			return purged, fmt.Errorf("documents purge: %w", err)
		}
		purged += int(n)
	}
	return purged, nil
}

// Register adds the purge worker and its periodic job (every
// KABINET_DOCUMENTS_PURGE_INTERVAL, by the leader only), and the worker
// that publishes applications' files.
func Register(reg *jobs.Registry, cfg config.Config, pool *pgxpool.Pool, log *slog.Logger) error {
	blobs, err := blob.Open(context.Background(), blobURL(cfg))
	if err != nil {
		return fmt.Errorf("documents purge: %w", err)
	}
	reg.Periodic(river.NewPeriodicJob(river.PeriodicInterval(cfg.Documents.PurgeInterval),
		func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil },
		&river.PeriodicJobOpts{ID: "documents_purge", RunOnStart: true}))
	if err := jobs.Add(reg, &PurgeWorker{Q: db.New(pool), Blobs: blobs, Retention: cfg.Documents.Retention, Log: log, Now: time.Now}); err != nil {
		return err
	}
	return jobs.Add(reg, &ApplicationWorker{Pool: pool, Blobs: blobs, Log: log})
}

// blobURL is the bucket of cfg, or the development folder when none is set.
func blobURL(cfg config.Config) string {
	if cfg.Blob.URL != "" {
		return cfg.Blob.URL
	}
	u, err := blob.FileURL(".data/blobs")
	if err != nil {
		return ""
	}
	return u
}
