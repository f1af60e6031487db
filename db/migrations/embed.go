// Package migrations embeds the goose SQL migrations so the binary carries its
// own schema; sqlc reads the same files as its schema.
package migrations

import "embed"

// FS holds every *.sql migration in this folder.
//
//go:embed *.sql
var FS embed.FS
