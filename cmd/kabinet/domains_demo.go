package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/seed"
)

// demoDomains loads the demo tests, teacher messages, completion document,
// document archive and news.
func demoDomains(ctx context.Context, cfg config.Config, pool *pgxpool.Pool, log *slog.Logger) error {
	if err := defaultBlobURL(&cfg); err != nil {
		return err
	}
	blobs, err := blob.Open(ctx, cfg.Blob.URL)
	if err != nil {
		return err
	}
	defer blobs.Close()
	svc, err := seed.NewServices(cfg, pool, blobs, log)
	if err != nil {
		return err
	}
	return seed.DemoDomains(ctx, pool, blobs, svc, time.Now())
}
