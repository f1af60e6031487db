package completion

import (
	"bytes"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/documents"
)

// archive puts a copy of a newly issued document's PDF into the learner's
// document archive inside tx, the issuance's transaction (type
// certificate, source "completion_document" and the document's id, issued
// by issuer on the issue date). The archive owns its copy (documents.Publish
// takes the blob key over), so the copy's key, never the document's own, goes
// onto *stored as soon as it is uploaded. The learner is told once, by the
// issuance's own notice: the archive adds none.
func (iss *Issuer) archive(ctx context.Context, tx pgx.Tx, d db.IssuedDocument, body []byte, issuer string, stored *[]string) error {
	obj, err := iss.blobs.Upload(ctx, bytes.NewReader(body), blob.UploadOptions{
		Prefix: "documents/completion", MaxSize: int64(len(body)), Allowed: []string{blob.TypePDF},
	})
	if err != nil {
		return fmt.Errorf("completion: store the archive's copy: %w", err)
	}
	*stored = append(*stored, obj.Key)
	_, err = documents.Publish(ctx, tx, nil, documents.Issued{
		OwnerID: d.UserID, OrganizationID: d.OrganizationID, Type: "certificate",
		Title: archiveTitle(d), IssuedBy: issuer, Date: d.IssuedOn.Time,
		Source: documents.SourceCompletion, SourceID: d.ID.String(),
		BlobKey: obj.Key, FileName: fileTitle(d.Kind) + " " + d.RegistrationNumber + ".pdf",
		ContentType: obj.ContentType, Size: obj.Size, SHA256: obj.SHA256,
	})
	return err
}

// markRevoked records in the archive that document d was revoked: the
// learner's copy stays (it was issued and may be asked about), its
// metadata says {"status":"revoked"}.
func markRevoked(ctx context.Context, tx pgx.Tx, d db.IssuedDocument) error {
	_, err := documents.SetSourceMetadata(ctx, tx, documents.SourceCompletion, d.ID.String(), map[string]any{"status": "revoked"})
	return err
}

// archiveTitle names the document in the archive: its kind and program.
func archiveTitle(d db.IssuedDocument) string {
	t := []rune(kindTitle(d.Kind) + " — «" + d.ProgramTitle + "»")
	if len(t) > 300 {
		t = append(t[:298], '»')
	}
	return string(t)
}
