package main

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/seed"
)

// defaultBlobURL points development at the folder .data/blobs of the
// working directory when KABINET_BLOB_URL is not set (production refuses
// to start without it, see config.Blob).
func defaultBlobURL(cfg *config.Config) error {
	if cfg.Blob.URL != "" || cfg.Env != config.EnvDevelopment {
		return nil
	}
	u, err := blob.FileURL(".data/blobs")
	if err != nil {
		return err
	}
	cfg.Blob.URL = u
	return nil
}

// demoCatalog loads the demo organization's catalog, covers included.
func demoCatalog(ctx context.Context, cfg config.Config, pool *pgxpool.Pool) error {
	if err := defaultBlobURL(&cfg); err != nil {
		return err
	}
	blobs, err := blob.Open(ctx, cfg.Blob.URL)
	if err != nil {
		return err
	}
	defer blobs.Close()
	return seed.Catalog(ctx, pool, blobs, time.Now())
}
