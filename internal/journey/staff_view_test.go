package journey_test

import (
	"strings"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
)

// Step 7: the staff's side of the same journey — the manager's application
// list and order, the teacher's group progress (JSON and CSV) and the
// test's attempts, the organization's register of issued documents; a
// learner of the group sees none of it.
func (j *journey) staffView(t *testing.T) {
	t.Helper()
	queue, err := j.env.Client.ListOrganizationApplicationsWithResponse(bg, j.org.ID, nil, j.org.As("manager"))
	must(t, err)
	if queue.JSON200 == nil || len(queue.JSON200.Items) != 0 {
		t.Fatalf("the review queue after the decision: %d %s", queue.StatusCode(), queue.Body)
	}
	approved := client.ListOrganizationApplicationsParamsStatus("approved")
	apps, err := j.env.Client.ListOrganizationApplicationsWithResponse(bg, j.org.ID,
		&client.ListOrganizationApplicationsParams{Status: &approved, GroupID: &j.group.ID}, j.org.As("manager"))
	must(t, err)
	if apps.JSON200 == nil || !has(apps.JSON200.Items, func(a client.ApplicationSummary) bool {
		return a.ID == j.application.ID && a.Status == "approved" && a.ApplicantID == j.learner.User.ID
	}) {
		t.Fatalf("listOrganizationApplications: %d %s", apps.StatusCode(), apps.Body)
	}
	o, err := j.env.Client.GetOrganizationOrderWithResponse(bg, j.org.ID, j.order.ID, j.org.As("manager"))
	must(t, err)
	if o.JSON200 == nil || o.JSON200.Status != "paid" || o.JSON200.Paid != 1_080_000 || o.JSON200.PromoCode == nil {
		t.Fatalf("getOrganizationOrder: %d %s", o.StatusCode(), o.Body)
	}

	prog, err := j.env.Client.GetGroupProgressWithResponse(bg, j.org.ID, j.program.ID, j.group.ID, nil, j.org.As("teacher"))
	must(t, err)
	if prog.JSON200 == nil || len(prog.JSON200.Items) != 1 {
		t.Fatalf("getGroupProgress: %d %s", prog.StatusCode(), prog.Body)
	}
	row := prog.JSON200.Items[0]
	if row.UserID != j.learner.User.ID || !row.Met || !row.PaidInFull || !row.FinalTestPassed || row.LastName != "Иванова" {
		t.Fatalf("progress row: %+v", row)
	}
	csv, err := j.env.Client.ExportGroupProgressWithResponse(bg, j.org.ID, j.program.ID, j.group.ID, j.org.As("teacher"))
	must(t, err)
	if csv.StatusCode() != 200 || !strings.Contains(string(csv.Body), "Иванова") {
		t.Fatalf("exportGroupProgress: %d %s", csv.StatusCode(), csv.Body)
	}
	att, err := j.env.Client.ListLessonAttemptsWithResponse(bg, j.org.ID, j.program.ID, j.test.ID, nil, j.org.As("teacher"))
	must(t, err)
	if att.JSON200 == nil || len(att.JSON200.Items) != 1 || att.JSON200.Items[0].Result == nil || !att.JSON200.Items[0].Result.Passed {
		t.Fatalf("listLessonAttempts: %d %s", att.StatusCode(), att.Body)
	}
	docs, err := j.env.Client.ListCompletionDocumentsWithResponse(bg, j.org.ID, nil, j.org.As("manager"))
	must(t, err)
	if docs.JSON200 == nil || len(docs.JSON200.Items) != 1 || docs.JSON200.Items[0].ID != j.document.ID {
		t.Fatalf("listCompletionDocuments: %d %s", docs.StatusCode(), docs.Body)
	}

	// The learner is no member of the staff: the register is closed to them.
	denied, err := j.env.Client.ListCompletionDocumentsWithResponse(bg, j.org.ID, nil, j.as())
	must(t, err)
	if denied.StatusCode() != 403 && denied.StatusCode() != 404 {
		t.Fatalf("a learner lists the register: %d %s", denied.StatusCode(), denied.Body)
	}
}
