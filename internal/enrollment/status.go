package enrollment

import (
	"context"
	"net/http"
	"slices"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// action is something done to an application; from lists the statuses it
// may be done in. Everything else is 409 invalid_transition.
type action string

const (
	actEdit           action = "edit" // the data and the documents
	actSubmit         action = "submit"
	actWithdraw       action = "withdraw"
	actRequestChanges action = "request_changes"
	actApprove        action = "approve"
	actReject         action = "reject"
)

var from = map[action][]db.ApplicationStatus{
	actEdit:           {db.ApplicationStatusDraft, db.ApplicationStatusNeedsChanges},
	actSubmit:         {db.ApplicationStatusDraft, db.ApplicationStatusNeedsChanges},
	actRequestChanges: {db.ApplicationStatusSubmitted, db.ApplicationStatusResubmitted},
	actApprove:        {db.ApplicationStatusSubmitted, db.ApplicationStatusResubmitted, db.ApplicationStatusWaitlisted},
	actReject: {db.ApplicationStatusSubmitted, db.ApplicationStatusResubmitted, db.ApplicationStatusNeedsChanges,
		db.ApplicationStatusWaitlisted},
	// An approved application may be withdrawn too: its seat goes back to
	// the group (and to the first on the waiting list).
	actWithdraw: {db.ApplicationStatusDraft, db.ApplicationStatusSubmitted, db.ApplicationStatusNeedsChanges,
		db.ApplicationStatusResubmitted, db.ApplicationStatusWaitlisted, db.ApplicationStatusApproved},
}

// allowed reports whether act may be done to an application in status st.
func allowed(act action, st db.ApplicationStatus) bool { return slices.Contains(from[act], st) }

// Problem codes of this domain.
const (
	codeInvalidTransition = "invalid_transition"
	codeEnrollmentClosed  = "enrollment_closed"
	codeGroupFull         = "group_full"
	codeIncomplete        = "application_incomplete"
)

// illegal is the 409 for act in status st; the status is named in the
// detail and, for programs, as the code of the "status" entry.
func illegal(ctx context.Context, act action, st db.ApplicationStatus) error {
	return web.Fail(ctx, http.StatusConflict, codeInvalidTransition,
		"The application is "+string(st)+"; it cannot be "+pastTense[act]+" now.",
		web.FieldError("status", string(st), "is the application's current status"))
}

var pastTense = map[action]string{
	actEdit: "changed", actSubmit: "submitted", actWithdraw: "withdrawn",
	actRequestChanges: "returned for changes", actApprove: "approved", actReject: "rejected",
}

func notFound(ctx context.Context) error {
	return web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such application.")
}

func closed(ctx context.Context) error {
	return web.Fail(ctx, http.StatusConflict, codeEnrollmentClosed,
		"The group does not take applications now (not enrolling, or outside its enrollment window).")
}

// invalid is the 422 for field errors found beside the schema.
func invalid(ctx context.Context, fields []api.FieldError) error {
	return &web.Error{Problem: web.Invalid(ctx, fields...)}
}
