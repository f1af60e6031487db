package main

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/seed"
)

// demoLearning loads the demo programs' learning content (lesson files
// included) and admits the demo learner to their running groups.
func demoLearning(ctx context.Context, cfg config.Config, pool *pgxpool.Pool) error {
	if err := defaultBlobURL(&cfg); err != nil {
		return err
	}
	blobs, err := blob.Open(ctx, cfg.Blob.URL)
	if err != nil {
		return err
	}
	defer blobs.Close()
	return seed.DemoLearning(ctx, pool, blobs, time.Now())
}
