package documents_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/documents"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/outbox"
)

func openBlobs(t *testing.T, env *apitest.Env) *blob.Store {
	t.Helper()
	s, err := blob.Open(context.Background(), env.Config.Blob.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func blobKeys(t *testing.T, env *apitest.Env, id any) []string {
	t.Helper()
	rows, err := env.Pool.Query(context.Background(), `SELECT blob_key FROM document_versions WHERE document_id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// A deleted document stays restorable for the retention; after it the
// purge removes the row, its versions and every version's blob, and
// running it again changes nothing. A live document is never touched.
func TestPurgeAfterRetention(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	tok := user(t, env).AccessToken
	doc := newDoc(t, env, tok, client.DocumentCreate{Title: "Черновик", Type: client.DocumentTypeOther})
	keep := newDoc(t, env, tok, client.DocumentCreate{Title: "Нужный", Type: client.DocumentTypeOther})
	for i := 1; i <= 2; i++ {
		for _, d := range []client.Document{doc, keep} {
			r := uploadVersion(t, env, tok, d.ID, "f.pdf", pdfN(i))
			wantStatus(t, r, r.Body, http.StatusCreated)
		}
	}
	keys := blobKeys(t, env, doc.ID)
	blobs := openBlobs(t, env)
	del, _ := env.Client.DeleteDocumentWithResponse(ctx, doc.ID, bearer(tok))
	wantStatus(t, del, del.Body, http.StatusNoContent)

	now := time.Now()
	w := &documents.PurgeWorker{Q: db.New(env.Pool), Blobs: blobs, Retention: env.Config.Documents.Retention, Log: slog.Default(), Now: func() time.Time { return now }}
	if n, err := w.Purge(ctx); err != nil || n != 0 {
		t.Fatalf("purge within retention: %d, %v", n, err)
	}
	// Past the retention: restore is refused (the document is gone for the API) …
	if _, err := env.Pool.Exec(ctx, `UPDATE documents SET deleted_at = now() - $2::interval WHERE id = $1`, doc.ID, "31 days"); err != nil {
		t.Fatal(err)
	}
	res, _ := env.Client.RestoreDocumentWithResponse(ctx, doc.ID, bearer(tok))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusNotFound, "not_found")
	// … and the purge removes it with its blobs.
	if n, err := w.Purge(ctx); err != nil || n != 1 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	for _, k := range keys {
		if ok, err := blobs.Exists(ctx, k); err != nil || ok {
			t.Fatalf("blob %s still there (%v)", k, err)
		}
	}
	var rows int
	if err := env.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM documents WHERE id = $1) + (SELECT count(*) FROM document_versions WHERE document_id = $1)`, doc.ID).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("%d rows left (%v)", rows, err)
	}
	if n, err := w.Purge(ctx); err != nil || n != 0 {
		t.Fatalf("second purge: %d, %v", n, err)
	}
	for _, k := range blobKeys(t, env, keep.ID) {
		if ok, _ := blobs.Exists(ctx, k); !ok {
			t.Fatalf("a live document's blob %s was deleted", k)
		}
	}
	g := getDoc(t, env, tok, keep.ID)
	wantStatus(t, g, g.Body, http.StatusOK)
}

// Publish is idempotent by source: the same source and file publish one
// document once (one notification); another file adds a version.
func TestPublishIsIdempotentBySource(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "publish")
	learner := o.Members["learner"]
	blobs := openBlobs(t, env)
	ins, err := jobs.New(env.Pool, env.Config.Jobs, nil, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := notify.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	pub := notifications.NewPublisher(outbox.New(tpl, ins, env.Config.Outbox), ins, env.Config)

	publish := func(content []byte) (string, error) {
		obj, err := blobs.Upload(ctx, bytesReader(content), blob.UploadOptions{Prefix: "invoices", MaxSize: 1 << 20, Allowed: blob.DocumentTypes()})
		if err != nil {
			t.Fatal(err)
		}
		var id string
		err = pgx.BeginFunc(ctx, env.Pool, func(tx pgx.Tx) error {
			got, err := documents.Publish(ctx, tx, pub, documents.Issued{
				OwnerID: learner.User.ID, OrganizationID: o.ID, Type: "invoice", Title: "Счёт № 7", IssuedBy: "Центр publish",
				Date: time.Now(), Source: "invoice", SourceID: "7", BlobKey: obj.Key, FileName: "Счёт 7.pdf",
				ContentType: obj.ContentType, Size: obj.Size, SHA256: obj.SHA256,
			})
			id = got.String()
			return err
		})
		return id, err
	}
	first, err := publish(pdfN(1))
	if err != nil {
		t.Fatal(err)
	}
	again, err := publish(pdfN(1))
	if err != nil || again != first {
		t.Fatalf("republished: %s vs %s (%v)", again, first, err)
	}
	mine := listMine(t, env, learner.AccessToken, client.ListMyDocumentsParams{})
	if len(mine) != 1 || mine[0].ID.String() != first || mine[0].CurrentVersion == nil || mine[0].CurrentVersion.Number != 1 ||
		mine[0].Access != client.Read || mine[0].Source == nil || *mine[0].Source != "invoice" {
		t.Fatalf("learner's archive: %+v", mine)
	}
	if n := countNotifications(t, env, learner.User.ID); n != 1 {
		t.Fatalf("%d notifications, want 1", n)
	}
	third, err := publish(pdfN(2))
	if err != nil || third != first {
		t.Fatalf("a new file: %s (%v)", third, err)
	}
	vs := listMine(t, env, learner.AccessToken, client.ListMyDocumentsParams{})
	if vs[0].CurrentVersion.Number != 2 {
		t.Fatalf("current version %d", vs[0].CurrentVersion.Number)
	}
	// The issuer's staff manage it, another organization's do not see it.
	other := apitest.NewStaffOrg(t, env, "publish-other")
	if g := getDoc(t, env, o.Members["manager"].AccessToken, mine[0].ID); g.StatusCode() != http.StatusOK || g.JSON200.Access != client.Manage {
		t.Fatalf("issuer's manager: %s", g.Body)
	}
	g := getDoc(t, env, other.Members["manager"].AccessToken, mine[0].ID)
	apitest.WantProblem(t, g.HTTPResponse, g.Body, http.StatusNotFound, "not_found")
	// An invalid publication is an error, not a document.
	err = pgx.BeginFunc(ctx, env.Pool, func(tx pgx.Tx) error {
		_, err := documents.Publish(ctx, tx, pub, documents.Issued{OwnerID: learner.User.ID, OrganizationID: o.ID, Type: "poem", Title: "x"})
		return err
	})
	if err == nil {
		t.Fatal("an invalid publication was accepted")
	}
}
