package documents_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// A user grant gives read: the grantee reads and downloads, sees it under
// "shared", cannot upload, edit or share (403); revoking ends it (404).
// Nobody else reaches the document at all (404).
func TestUserGrant(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	owner, reader, stranger := user(t, env), user(t, env), user(t, env)
	doc := newDoc(t, env, owner.AccessToken, client.DocumentCreate{Title: "Справка о доходах", Type: client.DocumentTypeCertificate})
	up := uploadVersion(t, env, owner.AccessToken, doc.ID, "Справка.pdf", pdfN(1))
	wantStatus(t, up, up.Body, http.StatusCreated)

	for _, who := range []*client.AuthResponse{reader, stranger} {
		res := getDoc(t, env, who.AccessToken, doc.ID)
		apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusNotFound, "not_found")
	}
	g, err := env.Client.CreateDocumentGrantWithResponse(ctx, doc.ID, client.DocumentGrantCreate{UserID: &reader.User.ID, Permission: client.Read}, bearer(owner.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, g, g.Body, http.StatusCreated)
	if g.JSON201.UserID == nil || *g.JSON201.UserID != reader.User.ID || g.JSON201.UserName == nil {
		t.Fatalf("grant %+v", g.JSON201)
	}
	got := getDoc(t, env, reader.AccessToken, doc.ID)
	wantStatus(t, got, got.Body, http.StatusOK)
	if got.JSON200.Access != client.Read {
		t.Fatalf("access %s", got.JSON200.Access)
	}
	dl := download(t, env, reader.AccessToken, doc.ID, 1, client.DownloadDocumentVersionParams{})
	wantStatus(t, dl, dl.Body, http.StatusOK)
	shared := listMine(t, env, reader.AccessToken, client.ListMyDocumentsParams{Scope: new(client.Shared)})
	if len(shared) != 1 || shared[0].ID != doc.ID || shared[0].Access != client.Read {
		t.Fatalf("shared with me: %+v", shared)
	}
	if has(listMine(t, env, reader.AccessToken, client.ListMyDocumentsParams{}), doc.ID) {
		t.Fatal("a shared document is listed among my own")
	}
	// Read cannot manage.
	up2 := uploadVersion(t, env, reader.AccessToken, doc.ID, "чужое.pdf", pdfN(2))
	apitest.WantProblem(t, up2.HTTPResponse, up2.Body, http.StatusForbidden, "forbidden")
	etag := got.HTTPResponse.Header.Get("ETag")
	edit, _ := env.Client.UpdateDocumentWithResponse(ctx, doc.ID, &client.UpdateDocumentParams{IfMatch: &etag}, client.DocumentUpdate{Title: new("x")}, bearer(reader.AccessToken))
	apitest.WantProblem(t, edit.HTTPResponse, edit.Body, http.StatusForbidden, "forbidden")
	share, _ := env.Client.CreateDocumentGrantWithResponse(ctx, doc.ID, client.DocumentGrantCreate{UserID: &stranger.User.ID, Permission: client.Read}, bearer(reader.AccessToken))
	apitest.WantProblem(t, share.HTTPResponse, share.Body, http.StatusForbidden, "forbidden")
	del, _ := env.Client.DeleteDocumentWithResponse(ctx, doc.ID, bearer(reader.AccessToken))
	apitest.WantProblem(t, del.HTTPResponse, del.Body, http.StatusForbidden, "forbidden")

	// Upgraded to manage, the grantee uploads; the owner is told.
	g2, _ := env.Client.CreateDocumentGrantWithResponse(ctx, doc.ID, client.DocumentGrantCreate{UserID: &reader.User.ID, Permission: client.Manage}, bearer(owner.AccessToken))
	wantStatus(t, g2, g2.Body, http.StatusCreated)
	if g2.JSON201.ID != g.JSON201.ID {
		t.Fatal("granting again made a second grant")
	}
	up3 := uploadVersion(t, env, reader.AccessToken, doc.ID, "v2.pdf", pdfN(2))
	wantStatus(t, up3, up3.Body, http.StatusCreated)
	if n := countNotifications(t, env, owner.User.ID); n != 1 {
		t.Fatalf("owner has %d notifications, want 1 (the new version)", n)
	}
	if n := countNotifications(t, env, reader.User.ID); n != 2 {
		t.Fatalf("grantee has %d notifications, want 2 (two grants)", n)
	}

	// Others: the stranger still gets 404 on every operation.
	s := stranger.AccessToken
	vs, _ := env.Client.ListDocumentVersionsWithResponse(ctx, doc.ID, &client.ListDocumentVersionsParams{}, bearer(s))
	apitest.WantProblem(t, vs.HTTPResponse, vs.Body, http.StatusNotFound, "not_found")
	sdl := download(t, env, s, doc.ID, 1, client.DownloadDocumentVersionParams{})
	apitest.WantProblem(t, sdl.HTTPResponse, sdl.Body, http.StatusNotFound, "not_found")
	sup := uploadVersion(t, env, s, doc.ID, "x.pdf", pdfN(3))
	apitest.WantProblem(t, sup.HTTPResponse, sup.Body, http.StatusNotFound, "not_found")
	sdel, _ := env.Client.DeleteDocumentWithResponse(ctx, doc.ID, bearer(s))
	apitest.WantProblem(t, sdel.HTTPResponse, sdel.Body, http.StatusNotFound, "not_found")
	sg, _ := env.Client.ListDocumentGrantsWithResponse(ctx, doc.ID, &client.ListDocumentGrantsParams{}, bearer(s))
	apitest.WantProblem(t, sg.HTTPResponse, sg.Body, http.StatusNotFound, "not_found")
	if q := listMine(t, env, s, client.ListMyDocumentsParams{Q: new("справка")}); len(q) != 0 {
		t.Fatal("a stranger's search finds the document")
	}

	// Revoked: gone for the grantee.
	list, _ := env.Client.ListDocumentGrantsWithResponse(ctx, doc.ID, &client.ListDocumentGrantsParams{}, bearer(owner.AccessToken))
	wantStatus(t, list, list.Body, http.StatusOK)
	if len(list.JSON200.Items) != 1 {
		t.Fatalf("grants %s", list.Body)
	}
	rv, _ := env.Client.DeleteDocumentGrantWithResponse(ctx, doc.ID, list.JSON200.Items[0].ID, bearer(owner.AccessToken))
	wantStatus(t, rv, rv.Body, http.StatusNoContent)
	after := getDoc(t, env, reader.AccessToken, doc.ID)
	apitest.WantProblem(t, after.HTTPResponse, after.Body, http.StatusNotFound, "not_found")
	if len(listMine(t, env, reader.AccessToken, client.ListMyDocumentsParams{Scope: new(client.Shared)})) != 0 {
		t.Fatal("revoked document still shared")
	}
}

// A grant to the teachers of an organization reaches each of its teachers
// while they are teachers there: not its learners, not another
// organization's teachers; revoking it, or the teacher's change of role,
// ends it.
func TestRoleGrant(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "roles")
	other := apitest.NewStaffOrg(t, env, "roles-other")
	owner := o.Members["learner"]
	second := user(t, env)
	apitest.AddMember(t, env, o.ID, second.User.ID, "teacher")
	doc := newDoc(t, env, owner.AccessToken, client.DocumentCreate{Title: "Портфолио", Type: client.DocumentTypeOther})

	// Only an organization the granter belongs to.
	bad, _ := env.Client.CreateDocumentGrantWithResponse(ctx, doc.ID, client.DocumentGrantCreate{OrganizationID: &other.ID, Role: new(client.Teacher), Permission: client.Read}, bearer(owner.AccessToken))
	apitest.WantProblem(t, bad.HTTPResponse, bad.Body, http.StatusUnprocessableEntity, "validation_failed")
	half, _ := env.Client.CreateDocumentGrantWithResponse(ctx, doc.ID, client.DocumentGrantCreate{OrganizationID: &o.ID, Permission: client.Read}, bearer(owner.AccessToken))
	apitest.WantProblem(t, half.HTTPResponse, half.Body, http.StatusUnprocessableEntity, "validation_failed")

	g, _ := env.Client.CreateDocumentGrantWithResponse(ctx, doc.ID, client.DocumentGrantCreate{OrganizationID: &o.ID, Role: new(client.Teacher), Permission: client.Read}, bearer(owner.AccessToken))
	wantStatus(t, g, g.Body, http.StatusCreated)
	for _, tok := range []string{o.Members["teacher"].AccessToken, second.AccessToken} {
		res := getDoc(t, env, tok, doc.ID)
		wantStatus(t, res, res.Body, http.StatusOK)
		if !has(listMine(t, env, tok, client.ListMyDocumentsParams{Scope: new(client.Shared)}), doc.ID) {
			t.Fatal("a teacher does not see the shared document")
		}
	}
	for _, tok := range []string{other.Members["teacher"].AccessToken, other.Members["admin"].AccessToken} {
		res := getDoc(t, env, tok, doc.ID)
		apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusNotFound, "not_found")
	}
	// The organization's managers do not manage a learner's own documents.
	mgr := getDoc(t, env, o.Members["manager"].AccessToken, doc.ID)
	apitest.WantProblem(t, mgr.HTTPResponse, mgr.Body, http.StatusNotFound, "not_found")

	// The second teacher becomes a learner: the grant no longer reaches them.
	if _, err := env.Pool.Exec(ctx, `UPDATE memberships SET role = 'learner' WHERE organization_id = $1 AND user_id = $2`, o.ID, second.User.ID); err != nil {
		t.Fatal(err)
	}
	demoted := getDoc(t, env, second.AccessToken, doc.ID)
	apitest.WantProblem(t, demoted.HTTPResponse, demoted.Body, http.StatusNotFound, "not_found")

	rv, _ := env.Client.DeleteDocumentGrantWithResponse(ctx, doc.ID, g.JSON201.ID, bearer(owner.AccessToken))
	wantStatus(t, rv, rv.Body, http.StatusNoContent)
	gone := getDoc(t, env, o.Members["teacher"].AccessToken, doc.ID)
	apitest.WantProblem(t, gone.HTTPResponse, gone.Body, http.StatusNotFound, "not_found")
	again, _ := env.Client.DeleteDocumentGrantWithResponse(ctx, doc.ID, g.JSON201.ID, bearer(owner.AccessToken))
	apitest.WantProblem(t, again.HTTPResponse, again.Body, http.StatusNotFound, "not_found")
}

func countNotifications(t *testing.T, env *apitest.Env, userID any) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM notifications WHERE user_id = $1 AND category = 'document'`, userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
