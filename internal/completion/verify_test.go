package completion_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/credential"
)

// A document verifies as valid by id and by number, with the holder's name
// masked; once revoked it verifies as revoked, there and through the
// credential's status list; a second revocation is 409.
func TestPublicVerificationAndRevocation(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	c := k.course(t, db.ProgramKindQualificationUpgrade, 0)
	l := k.enroll(t, c, snils)
	d := k.issue(t, l)
	ctx := context.Background()

	pub, err := k.env.Client.VerifyCompletionDocumentWithResponse(ctx, d.ID)
	if err != nil || pub.JSON200 == nil {
		t.Fatalf("verify: %v %s", err, pub.Body)
	}
	if v := pub.JSON200; v.Status != client.IssuedDocumentStatusValid || v.HolderName != "И***а А. П." || v.Hours != 72 ||
		v.RegistrationNumber != d.RegistrationNumber || v.ProgramTitle != d.ProgramTitle || v.OrganizationName == "" {
		t.Fatalf("public record: %+v", v)
	}
	found, err := k.env.Client.FindCompletionDocumentWithResponse(ctx, &client.FindCompletionDocumentParams{Organization: orgSlug(t, k), Number: d.RegistrationNumber})
	if err != nil || found.JSON200 == nil || found.JSON200.ID != d.ID {
		t.Fatalf("find: %v %s", err, found.Body)
	}
	missing, err := k.env.Client.FindCompletionDocumentWithResponse(ctx, &client.FindCompletionDocumentParams{Organization: orgSlug(t, k), Number: "ПК-1900-99999"})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, missing.StatusCode(), missing.HTTPResponse.Header, missing.Body, http.StatusNotFound, "not_found")

	vcRes, err := k.env.Client.DownloadMyCompletionCredentialWithResponse(ctx, d.ID, apitest.Bearer(l.token))
	if err != nil {
		t.Fatal(err)
	}
	keys := k.keys(t)
	vc, err := credential.Verify(string(vcRes.Body), keys, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if revoked := k.statusOf(t, vc, keys); revoked {
		t.Fatal("a valid credential reads as revoked")
	}

	rev, err := k.env.Client.RevokeCompletionDocumentWithResponse(ctx, k.org.ID, d.ID, client.CompletionReasonRequest{Reason: "Выдан по ошибке."}, k.org.As("manager"))
	if err != nil || rev.JSON200 == nil || rev.JSON200.Status != client.IssuedDocumentStatusRevoked || *rev.JSON200.RevokeReason != "Выдан по ошибке." {
		t.Fatalf("revoke: %v %s", err, rev.Body)
	}
	pub, err = k.env.Client.VerifyCompletionDocumentWithResponse(ctx, d.ID)
	if err != nil || pub.JSON200 == nil || pub.JSON200.Status != client.IssuedDocumentStatusRevoked || pub.JSON200.RevokedAt == nil {
		t.Fatalf("verify after revocation: %v %s", err, pub.Body)
	}
	if revoked := k.statusOf(t, vc, keys); !revoked {
		t.Fatal("the status list does not say revoked")
	}
	again, err := k.env.Client.RevokeCompletionDocumentWithResponse(ctx, k.org.ID, d.ID, client.CompletionReasonRequest{Reason: "Ещё раз."}, k.org.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, again.StatusCode(), again.HTTPResponse.Header, again.Body, http.StatusConflict, "invalid_transition")
	if f := apitest.Fields(p); len(f) != 1 || f[0] != "status:revoked" {
		t.Fatalf("fields %v", f)
	}
	if n := apitest.CountAudit(t, k.env, "completion_document_revoked", k.org.ID, &l.id); n != 1 {
		t.Fatalf("audit: %d", n)
	}
}

// statusOf fetches and verifies the credential's status list, as a
// verifier does, and reads the credential's bit.
func (k *kit) statusOf(t *testing.T, vc credential.Credential, keys credential.KeySet) bool {
	t.Helper()
	res, err := k.env.Client.GetCredentialStatusListWithResponse(context.Background(), k.org.ID, 0)
	if err != nil || res.StatusCode() != http.StatusOK {
		t.Fatalf("status list: %v %d", err, res.StatusCode())
	}
	list, bits, err := credential.VerifyStatusList(string(res.Body), keys, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := credential.Revoked(vc, list, bits)
	if err != nil {
		t.Fatal(err)
	}
	return revoked
}

// Look-ups by number are limited per client address.
func TestLookupByNumberIsRateLimited(t *testing.T) {
	t.Parallel()
	k := newKit(t, func(c *config.Config) { c.Completion.LookupLimit = config.Limit{Max: 2, Period: time.Minute} })
	ctx := context.Background()
	params := &client.FindCompletionDocumentParams{Organization: "nobody", Number: "1"}
	for range 2 {
		res, err := k.env.Client.FindCompletionDocumentWithResponse(ctx, params)
		if err != nil || res.StatusCode() != http.StatusNotFound {
			t.Fatalf("%v %d", err, res.StatusCode())
		}
	}
	res, err := k.env.Client.FindCompletionDocumentWithResponse(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusTooManyRequests, "rate_limited")
}

// Reissue revokes the document and issues its replacement with a new
// number, from the application's current data.
func TestReissue(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	c := k.course(t, db.ProgramKindProfessionalRetraining, 0)
	l := k.enroll(t, c, snils)
	d := k.issue(t, l)
	ctx := context.Background()
	if _, err := k.env.Pool.Exec(ctx, `UPDATE applications SET patronymic = 'Павловна' WHERE id = $1`, l.application); err != nil {
		t.Fatal(err)
	}
	res, err := k.env.Client.ReissueCompletionDocumentWithResponse(ctx, k.org.ID, d.ID, client.CompletionReasonRequest{Reason: "Ошибка в отчестве."}, k.org.As("admin"))
	if err != nil || res.JSON201 == nil {
		t.Fatalf("reissue: %v %s", err, res.Body)
	}
	n := res.JSON201
	if n.ReissueOf == nil || *n.ReissueOf != d.ID || n.RegistrationNumber == d.RegistrationNumber ||
		n.RegistrationNumber != "ПП-"+year()+"-00002" || *n.Holder.Patronymic != "Павловна" || n.Status != client.IssuedDocumentStatusValid {
		t.Fatalf("new document: %+v", n)
	}
	old, err := k.env.Client.GetCompletionDocumentWithResponse(ctx, k.org.ID, d.ID, k.org.As("teacher"))
	if err != nil || old.JSON200 == nil || old.JSON200.Status != client.IssuedDocumentStatusRevoked || *old.JSON200.RevokeReason != "Ошибка в отчестве." {
		t.Fatalf("old document: %v %s", err, old.Body)
	}
	again, err := k.env.Client.ReissueCompletionDocumentWithResponse(ctx, k.org.ID, d.ID, client.CompletionReasonRequest{Reason: "x"}, k.org.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, again.StatusCode(), again.HTTPResponse.Header, again.Body, http.StatusConflict, "invalid_transition")
	if docs := k.myDocuments(t, l); len(docs) != 2 || docs[0].ID != n.ID {
		t.Fatalf("my documents: %+v", docs)
	}
	// Pages of one, newest first, then the filter by status.
	first, err := k.env.Client.ListCompletionDocumentsWithResponse(ctx, k.org.ID, &client.ListCompletionDocumentsParams{ProgramID: &c.program.ID, Limit: ptr(1)}, k.org.As("teacher"))
	if err != nil || first.JSON200 == nil || len(first.JSON200.Items) != 1 || first.JSON200.Items[0].ID != n.ID || first.JSON200.NextCursor == nil {
		t.Fatalf("first page: %v %s", err, first.Body)
	}
	second, err := k.env.Client.ListCompletionDocumentsWithResponse(ctx, k.org.ID, &client.ListCompletionDocumentsParams{ProgramID: &c.program.ID, Limit: ptr(1), Cursor: first.JSON200.NextCursor}, k.org.As("teacher"))
	if err != nil || second.JSON200 == nil || len(second.JSON200.Items) != 1 || second.JSON200.Items[0].ID != d.ID || second.JSON200.NextCursor != nil {
		t.Fatalf("second page: %v %s", err, second.Body)
	}
	list, err := k.env.Client.ListCompletionDocumentsWithResponse(ctx, k.org.ID, &client.ListCompletionDocumentsParams{Status: ptr(client.IssuedDocumentStatusValid)}, k.org.As("manager"))
	if err != nil || list.JSON200 == nil || len(list.JSON200.Items) != 1 || list.JSON200.Items[0].ID != n.ID {
		t.Fatalf("list valid: %v %s", err, list.Body)
	}
}
