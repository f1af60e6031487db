package documents_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// Folders nest; names are unique among siblings; a move into the folder
// itself or below it is refused (409 folder_cycle); only an empty folder
// goes; another user's folders are 404.
func TestFolders(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	me, other := user(t, env), user(t, env)
	tok := bearer(me.AccessToken)
	mk := func(name string, parent *openapi_types.UUID) *client.CreateMyDocumentFolderResponse {
		r, err := env.Client.CreateMyDocumentFolderWithResponse(ctx, client.DocumentFolderCreate{Name: name, ParentID: parent}, tok)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a := mk("Договоры", nil)
	wantStatus(t, a, a.Body, http.StatusCreated)
	b := mk("2026", &a.JSON201.ID)
	wantStatus(t, b, b.Body, http.StatusCreated)
	c := mk("Аренда", &b.JSON201.ID)
	wantStatus(t, c, c.Body, http.StatusCreated)
	dup := mk("договоры", nil)
	apitest.WantProblem(t, dup.HTTPResponse, dup.Body, http.StatusConflict, "already_exists")
	if same := mk("Аренда", &a.JSON201.ID); same.StatusCode() != http.StatusCreated {
		t.Fatalf("a name taken elsewhere in the tree: %d", same.StatusCode())
	}

	move := func(id openapi_types.UUID, parent nullable.Nullable[openapi_types.UUID], editor client.RequestEditorFn) *client.UpdateDocumentFolderResponse {
		r, err := env.Client.UpdateDocumentFolderWithResponse(ctx, id, client.DocumentFolderUpdate{ParentID: parent}, editor)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, target := range []openapi_types.UUID{a.JSON201.ID, c.JSON201.ID} {
		cyc := move(a.JSON201.ID, nullable.NewNullableWithValue(target), tok)
		apitest.WantProblem(t, cyc.HTTPResponse, cyc.Body, http.StatusConflict, "folder_cycle")
	}
	up := move(c.JSON201.ID, nullable.NewNullNullable[openapi_types.UUID](), tok)
	wantStatus(t, up, up.Body, http.StatusOK)
	if up.JSON200.ParentID != nil {
		t.Fatalf("moved to the top: %+v", up.JSON200)
	}
	down := move(a.JSON201.ID, nullable.NewNullableWithValue(c.JSON201.ID), tok)
	wantStatus(t, down, down.Body, http.StatusOK)

	// The tree as a SPA reads it: the top, then a folder's children.
	top, _ := env.Client.ListMyDocumentFoldersWithResponse(ctx, &client.ListMyDocumentFoldersParams{Top: new(true)}, tok)
	if len(top.JSON200.Items) != 1 || top.JSON200.Items[0].ID != c.JSON201.ID {
		t.Fatalf("top: %s", top.Body)
	}
	all, _ := env.Client.ListMyDocumentFoldersWithResponse(ctx, &client.ListMyDocumentFoldersParams{Limit: new(2)}, tok)
	rest, _ := env.Client.ListMyDocumentFoldersWithResponse(ctx, &client.ListMyDocumentFoldersParams{Limit: new(2), Cursor: all.JSON200.NextCursor}, tok)
	if len(all.JSON200.Items)+len(rest.JSON200.Items) != 4 || rest.JSON200.NextCursor != nil {
		t.Fatalf("all folders: %s %s", all.Body, rest.Body)
	}

	// A document in a folder; the folder is then not empty.
	doc := newDoc(t, env, me.AccessToken, client.DocumentCreate{Title: "Договор", Type: client.DocumentTypeContract, FolderID: &b.JSON201.ID})
	inFolder := listMine(t, env, me.AccessToken, client.ListMyDocumentsParams{FolderID: &b.JSON201.ID})
	if len(inFolder) != 1 || inFolder[0].ID != doc.ID {
		t.Fatalf("folder's documents: %v", ids(inFolder))
	}
	full, _ := env.Client.DeleteDocumentFolderWithResponse(ctx, b.JSON201.ID, tok)
	apitest.WantProblem(t, full.HTTPResponse, full.Body, http.StatusConflict, "folder_not_empty")

	// Another user: their folder cannot hold my document, and mine are 404 to them.
	theirs, _ := env.Client.CreateMyDocumentFolderWithResponse(ctx, client.DocumentFolderCreate{Name: "Чужая"}, bearer(other.AccessToken))
	wantStatus(t, theirs, theirs.Body, http.StatusCreated)
	bad, _ := env.Client.CreateMyDocumentWithResponse(ctx, client.DocumentCreate{Title: "x", Type: client.DocumentTypeOther, FolderID: &theirs.JSON201.ID}, tok)
	apitest.WantProblem(t, bad.HTTPResponse, bad.Body, http.StatusUnprocessableEntity, "validation_failed")
	foreign := move(b.JSON201.ID, nullable.NewNullNullable[openapi_types.UUID](), bearer(other.AccessToken))
	apitest.WantProblem(t, foreign.HTTPResponse, foreign.Body, http.StatusNotFound, "not_found")
	cross := move(b.JSON201.ID, nullable.NewNullableWithValue(theirs.JSON201.ID), tok)
	apitest.WantProblem(t, cross.HTTPResponse, cross.Body, http.StatusUnprocessableEntity, "validation_failed")
	fdel, _ := env.Client.DeleteDocumentFolderWithResponse(ctx, c.JSON201.ID, bearer(other.AccessToken))
	apitest.WantProblem(t, fdel.HTTPResponse, fdel.Body, http.StatusNotFound, "not_found")

	empty, _ := env.Client.DeleteDocumentFolderWithResponse(ctx, theirs.JSON201.ID, bearer(other.AccessToken))
	wantStatus(t, empty, empty.Body, http.StatusNoContent)
}
