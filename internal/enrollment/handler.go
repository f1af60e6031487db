package enrollment

import (
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Handler implements the enrollment operations of the generated
// strict-server interface: the learner's applications (tag Enrollment)
// and the organization's review of them (tag Enrollment review).
type Handler struct {
	web.Base
	tpl   *notify.Templates
	blobs *blob.Store
}

// New builds the enrollment handlers; documents are kept in blobs.
func New(base web.Base, tpl *notify.Templates, blobs *blob.Store) *Handler {
	return &Handler{Base: base, tpl: tpl, blobs: blobs}
}
