package config

import "time"

// Documents configures the document archive.
type Documents struct {
	// Retention is how long a deleted document can be restored before the
	// purge job removes it and its files.
	Retention time.Duration
	// MaxBytes is the largest file a version may have (413 above it).
	MaxBytes int64
	// PurgeInterval is how often the purge job runs.
	PurgeInterval time.Duration
}

func (l *loader) documents() Documents {
	return Documents{
		Retention:     l.dur("KABINET_DOCUMENTS_RETENTION", 30*24*time.Hour),
		MaxBytes:      l.size("KABINET_DOCUMENTS_MAX_SIZE", 100<<20),
		PurgeInterval: l.dur("KABINET_DOCUMENTS_PURGE_INTERVAL", time.Hour),
	}
}

func (c Config) validateDocuments(bad func(format string, a ...any)) {
	d := c.Documents
	if d.Retention < time.Minute || d.Retention > 10*365*24*time.Hour {
		bad("KABINET_DOCUMENTS_RETENTION must be between 1m and 87600h")
	}
	if d.MaxBytes < 1<<10 || d.MaxBytes > 8<<30 {
		bad("KABINET_DOCUMENTS_MAX_SIZE must be between 1K and 8G")
	}
	if d.PurgeInterval < time.Minute {
		bad("KABINET_DOCUMENTS_PURGE_INTERVAL must be at least 1m")
	}
}
