package documents_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// Closing an account trashes the user's own documents (the purge removes
// them after the retention) and drops the grants made to the user; a
// document an organization issued to them stays with the issuer.
func TestClosingAnAccountTrashesItsDocuments(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "closing")
	acc := apitest.NewAccount()
	leaving := apitest.Register(t, env, acc)
	apitest.AddMember(t, env, o.ID, leaving.User.ID, "learner")
	friend := user(t, env)
	own := newDoc(t, env, leaving.AccessToken, client.DocumentCreate{Title: "Личное", Type: client.DocumentTypeOther})
	theirs := newDoc(t, env, friend.AccessToken, client.DocumentCreate{Title: "Общее", Type: client.DocumentTypeOther})
	g, _ := env.Client.CreateDocumentGrantWithResponse(ctx, theirs.ID, client.DocumentGrantCreate{UserID: &leaving.User.ID, Permission: client.Read}, bearer(friend.AccessToken))
	wantStatus(t, g, g.Body, http.StatusCreated)
	issued, _ := env.Client.CreateOrganizationDocumentWithResponse(ctx, o.ID, client.DocumentCreate{Title: "Счёт", Type: client.DocumentTypeInvoice, IssuedTo: &leaving.User.ID}, o.As("manager"))
	wantStatus(t, issued, issued.Body, http.StatusCreated)

	res, err := env.Client.CloseAccountWithResponse(ctx, client.CloseAccountRequest{Password: &acc.Password}, bearer(leaving.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res, res.Body, http.StatusNoContent)
	var trashed, grants int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE deleted_at IS NOT NULL) FROM documents WHERE id = $1`, own.ID).Scan(&trashed); err != nil {
		t.Fatal(err)
	}
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM document_grants WHERE grantee_id = $1`, leaving.User.ID).Scan(&grants); err != nil {
		t.Fatal(err)
	}
	if trashed != 1 || grants != 0 {
		t.Fatalf("after closing: %d trashed, %d grants", trashed, grants)
	}
	kept := getDoc(t, env, o.Members["manager"].AccessToken, issued.JSON201.ID)
	wantStatus(t, kept, kept.Body, http.StatusOK)
	if kept.JSON200.DeletedAt != nil {
		t.Fatal("the issued document was trashed")
	}
}
