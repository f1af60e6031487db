package main

import (
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/config"
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
