package enrollment

import (
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/outbox"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Handler implements the enrollment operations of the generated
// strict-server interface: the learner's applications (tag Enrollment)
// and the organization's review of them (tag Enrollment review).
type Handler struct {
	web.Base
	outbox *outbox.Outbox // decision e-mails, in the decision's transaction
	blobs  *blob.Store
	pub    *notifications.Publisher // decisions in the applicant's inbox
	// Jobs, when set, publishes the files of a submitted application into
	// the applicant's document archive (documents.PublishApplicationArgs).
	Jobs jobs.Inserter
}

// New builds the enrollment handlers; documents are kept in blobs.
func New(base web.Base, out *outbox.Outbox, blobs *blob.Store, pub *notifications.Publisher) *Handler {
	return &Handler{Base: base, outbox: out, blobs: blobs, pub: pub}
}

// txn is a transaction: its queries, and the transaction itself for what
// writes outside sqlc (the outbox's jobs).
type txn struct {
	*db.Queries
	tx pgx.Tx
}
