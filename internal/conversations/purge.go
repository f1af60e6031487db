package conversations

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

// unsentFor is how long an upload may wait for the message that sends it.
const unsentFor = 24 * time.Hour

// PurgeUploadsArgs is the hourly job that deletes files uploaded for a
// message but never sent, with their blobs.
type PurgeUploadsArgs struct{}

// Kind names the job.
func (PurgeUploadsArgs) Kind() string { return "conversations_purge_uploads" }

// PurgeUploadsWorker deletes unsent uploads older than a day: the rows
// first (a batch at a time), then their blobs; a blob whose delete fails
// is an orphan in storage, never a row without its file.
type PurgeUploadsWorker struct {
	river.WorkerDefaults[PurgeUploadsArgs]
	q     *db.Queries
	blobs *blob.Store
	log   *slog.Logger
}

// Work purges until no unsent upload is older than the cut-off.
func (w *PurgeUploadsWorker) Work(ctx context.Context, _ *river.Job[PurgeUploadsArgs]) error {
	cutoff := time.Now().Add(-unsentFor)
	for {
		keys, err := w.q.PurgeUnsentConversationAttachments(ctx, cutoff)
		if err != nil {
			return fmt.Errorf("purge unsent uploads: %w", err)
		}
		for _, k := range keys {
			if err := w.blobs.Delete(ctx, k); err != nil {
				w.log.Warn("delete unsent conversation upload", "key", k, "error", err)
			}
		}
		if len(keys) == 0 {
			return nil
		}
	}
}

// NewPurgeUploadsWorker builds the worker over pool and the bucket blobs.
func NewPurgeUploadsWorker(pool *pgxpool.Pool, blobs *blob.Store, log *slog.Logger) *PurgeUploadsWorker {
	return &PurgeUploadsWorker{q: db.New(pool), blobs: blobs, log: log}
}

// Register adds the purge job, hourly, to reg; its blobs are in the
// bucket cfg names.
func Register(reg *jobs.Registry, cfg config.Config, pool *pgxpool.Pool, log *slog.Logger) error {
	blobs, err := blob.Open(context.Background(), cfg.Blob.URL)
	if err != nil {
		return fmt.Errorf("KABINET_BLOB_URL: %w", err)
	}
	reg.Periodic(river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return PurgeUploadsArgs{}, nil },
		&river.PeriodicJobOpts{ID: "conversations_purge_uploads"}))
	return jobs.Add(reg, NewPurgeUploadsWorker(pool, blobs, log))
}
