package documents

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// Sources of the documents other domains publish (Issued.Source), besides
// SourceApplication.
const (
	// SourceCompletion: a completion document; the SourceID is its id.
	SourceCompletion = "completion_document"
	// SourceInvoice and SourceAct: an employer-paid order's invoice and
	// act; the SourceID is the order's id.
	SourceInvoice = "invoice"
	SourceAct     = "act"
)

// SetSourceMetadata merges patch into the metadata of the document
// published for source and sourceID, inside tx, the transaction of the
// change it records (a completion document revoked: {"status":"revoked"}).
// The archive keeps such a document, with its files, as the learner's
// record; the metadata says what became of it and is searched like the
// rest. It reports whether a document changed: false when none was
// published or its metadata already says so.
func SetSourceMetadata(ctx context.Context, tx pgx.Tx, source, sourceID string, patch map[string]any) (bool, error) {
	b, err := json.Marshal(patch)
	if err != nil {
		return false, err
	}
	n, err := db.New(tx).MergeDocumentMetadataBySource(ctx, db.MergeDocumentMetadataBySourceParams{Patch: b, Source: &source, SourceID: &sourceID})
	return n > 0, err
}
