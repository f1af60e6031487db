package documents_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// The organization's space: its managers create and see everything in it,
// other members only what is shared with them, another organization's
// staff nothing (404). A document issued to a learner lives in the
// learner's archive, read-only for them, managed by the issuer's staff,
// whose reads go to the audit log; the learner is notified.
func TestOrganizationSpaceAndIssuedDocuments(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "space")
	other := apitest.NewStaffOrg(t, env, "space-other")
	mgr, learner, teacher := o.As("manager"), o.Members["learner"], o.Members["teacher"]

	// Only managers, directors and admins create.
	deny, _ := env.Client.CreateOrganizationDocumentWithResponse(ctx, o.ID, client.DocumentCreate{Title: "Устав", Type: client.DocumentTypeOther}, o.As("teacher"))
	apitest.WantProblem(t, deny.HTTPResponse, deny.Body, http.StatusForbidden, "forbidden")
	foreign, _ := env.Client.CreateOrganizationDocumentWithResponse(ctx, o.ID, client.DocumentCreate{Title: "Устав", Type: client.DocumentTypeOther}, other.As("admin"))
	apitest.WantProblem(t, foreign.HTTPResponse, foreign.Body, http.StatusNotFound, "not_found")

	res, err := env.Client.CreateOrganizationDocumentWithResponse(ctx, o.ID, client.DocumentCreate{Title: "Устав центра", Type: client.DocumentTypeOther}, mgr)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res, res.Body, http.StatusCreated)
	charter := *res.JSON201
	if charter.OrganizationID == nil || *charter.OrganizationID != o.ID || charter.OwnerID != nil {
		t.Fatalf("charter %+v", charter)
	}
	up := uploadVersion(t, env, o.Members["director"].AccessToken, charter.ID, "Устав.pdf", pdfN(1))
	wantStatus(t, up, up.Body, http.StatusCreated)

	orgList := func(editor client.RequestEditorFn, p client.ListOrganizationDocumentsParams) *client.ListOrganizationDocumentsResponse {
		r, err := env.Client.ListOrganizationDocumentsWithResponse(ctx, o.ID, &p, editor)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := orgList(o.As("admin"), client.ListOrganizationDocumentsParams{}); r.StatusCode() != http.StatusOK || len(r.JSON200.Items) != 1 {
		t.Fatalf("admin's list: %s", r.Body)
	}
	if r := orgList(o.As("teacher"), client.ListOrganizationDocumentsParams{}); r.StatusCode() != http.StatusOK || len(r.JSON200.Items) != 0 {
		t.Fatalf("teacher's list before the grant: %s", r.Body)
	}
	if r := orgList(other.As("admin"), client.ListOrganizationDocumentsParams{}); r.StatusCode() != http.StatusNotFound {
		t.Fatalf("another organization's admin: %d", r.StatusCode())
	}
	for _, tok := range []string{teacher.AccessToken, other.Members["admin"].AccessToken} {
		g := getDoc(t, env, tok, charter.ID)
		apitest.WantProblem(t, g.HTTPResponse, g.Body, http.StatusNotFound, "not_found")
	}
	g, _ := env.Client.CreateDocumentGrantWithResponse(ctx, charter.ID, client.DocumentGrantCreate{OrganizationID: &o.ID, Role: new(client.Teacher), Permission: client.Read}, mgr)
	wantStatus(t, g, g.Body, http.StatusCreated)
	if r := orgList(o.As("teacher"), client.ListOrganizationDocumentsParams{}); len(r.JSON200.Items) != 1 || r.JSON200.Items[0].Access != client.Read {
		t.Fatalf("teacher's list after the grant: %s", r.Body)
	}

	// Issued to a learner.
	notMember, _ := env.Client.CreateOrganizationDocumentWithResponse(ctx, o.ID, client.DocumentCreate{Title: "Акт", Type: client.DocumentTypeAct, IssuedTo: &other.Members["learner"].User.ID}, mgr)
	apitest.WantProblem(t, notMember.HTTPResponse, notMember.Body, http.StatusUnprocessableEntity, "validation_failed")
	ir, _ := env.Client.CreateOrganizationDocumentWithResponse(ctx, o.ID, client.DocumentCreate{
		Title: "Акт оказанных услуг № 12", Type: client.DocumentTypeAct, IssuedBy: new("Центр space"), IssuedTo: &learner.User.ID,
	}, mgr)
	wantStatus(t, ir, ir.Body, http.StatusCreated)
	act := *ir.JSON201
	if act.OwnerID == nil || *act.OwnerID != learner.User.ID || act.IssuerOrganizationID == nil || *act.IssuerOrganizationID != o.ID {
		t.Fatalf("issued %+v", act)
	}
	iu := uploadVersion(t, env, o.Members["manager"].AccessToken, act.ID, "Акт.pdf", pdfN(2))
	wantStatus(t, iu, iu.Body, http.StatusCreated)
	if n := countNotifications(t, env, learner.User.ID); n != 1 {
		t.Fatalf("learner has %d notifications", n)
	}
	mine := listMine(t, env, learner.AccessToken, client.ListMyDocumentsParams{})
	if len(mine) != 1 || mine[0].ID != act.ID || mine[0].Access != client.Read || mine[0].CurrentVersion == nil {
		t.Fatalf("learner's archive: %+v", mine)
	}
	lu := uploadVersion(t, env, learner.AccessToken, act.ID, "мой.pdf", pdfN(3))
	apitest.WantProblem(t, lu.HTTPResponse, lu.Body, http.StatusForbidden, "forbidden")
	ld, _ := env.Client.DeleteDocumentWithResponse(ctx, act.ID, bearer(learner.AccessToken))
	apitest.WantProblem(t, ld.HTTPResponse, ld.Body, http.StatusForbidden, "forbidden")
	// The learner's own download is not audited; the staff's is.
	if dl := download(t, env, learner.AccessToken, act.ID, 1, client.DownloadDocumentVersionParams{}); dl.StatusCode() != http.StatusOK {
		t.Fatalf("learner's download: %d", dl.StatusCode())
	}
	if n := apitest.CountAudit(t, env, "document_downloaded", o.ID, nil); n != 0 {
		t.Fatalf("%d audit events after the learner's own download", n)
	}
	if dl := download(t, env, o.Members["admin"].AccessToken, act.ID, 1, client.DownloadDocumentVersionParams{}); dl.StatusCode() != http.StatusOK {
		t.Fatalf("admin's download: %d", dl.StatusCode())
	}
	if n := apitest.CountAudit(t, env, "document_downloaded", o.ID, &learner.User.ID); n != 1 {
		t.Fatalf("%d audit events after the admin's download", n)
	}
	issued := orgList(mgr, client.ListOrganizationDocumentsParams{Issued: new(true)})
	if issued.StatusCode() != http.StatusOK || len(issued.JSON200.Items) != 1 || issued.JSON200.Items[0].ID != act.ID {
		t.Fatalf("issued list: %s", issued.Body)
	}
	if r := orgList(o.As("teacher"), client.ListOrganizationDocumentsParams{Issued: new(true)}); r.StatusCode() != http.StatusForbidden {
		t.Fatalf("teacher's issued list: %d", r.StatusCode())
	}
	// Another organization's staff and the issuer's teacher: 404.
	for _, tok := range []string{other.Members["manager"].AccessToken, teacher.AccessToken} {
		x := download(t, env, tok, act.ID, 1, client.DownloadDocumentVersionParams{})
		apitest.WantProblem(t, x.HTTPResponse, x.Body, http.StatusNotFound, "not_found")
	}
	// The issuer's staff manage it: a second version.
	iu2 := uploadVersion(t, env, o.Members["director"].AccessToken, act.ID, "Акт (исправлен).pdf", pdfN(4))
	wantStatus(t, iu2, iu2.Body, http.StatusCreated)
	if iu2.JSON201.Number != 2 || countNotifications(t, env, learner.User.ID) != 2 {
		t.Fatalf("second version %+v", iu2.JSON201)
	}
}

// An organization that requires a second factor of its staff refuses its
// managing staff without one its documents too; the learner a document was
// issued to reads it as before.
func TestStaffSecondFactorRule(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "strict")
	learner := o.Members["learner"]
	res, _ := env.Client.CreateOrganizationDocumentWithResponse(ctx, o.ID, client.DocumentCreate{Title: "Акт", Type: client.DocumentTypeAct, IssuedTo: &learner.User.ID}, o.As("manager"))
	wantStatus(t, res, res.Body, http.StatusCreated)
	if _, err := env.Pool.Exec(ctx, `UPDATE organizations SET require_staff_2fa = true WHERE id = $1`, o.ID); err != nil {
		t.Fatal(err)
	}
	g := getDoc(t, env, o.Members["manager"].AccessToken, res.JSON201.ID)
	apitest.WantProblem(t, g.HTTPResponse, g.Body, http.StatusForbidden, "second_factor_enrollment_required")
	l, _ := env.Client.ListOrganizationDocumentsWithResponse(ctx, o.ID, &client.ListOrganizationDocumentsParams{}, o.As("admin"))
	apitest.WantProblem(t, l.HTTPResponse, l.Body, http.StatusForbidden, "second_factor_enrollment_required")
	mine := getDoc(t, env, learner.AccessToken, res.JSON201.ID)
	wantStatus(t, mine, mine.Body, http.StatusOK)
}
