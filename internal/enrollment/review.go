package enrollment

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// reviewers are the roles that work the queue and decide.
var reviewers = []db.MemberRole{db.MemberRoleManager, db.MemberRoleAdmin}

// queueStatuses is the default of the queue: what awaits a decision.
var queueStatuses = []string{string(db.ApplicationStatusSubmitted), string(db.ApplicationStatusResubmitted)}

// ListOrganizationApplications pages through the applications sent to the
// organization, oldest waiting first.
func (s *Handler) ListOrganizationApplications(ctx context.Context, req api.ListOrganizationApplicationsRequestObject) (api.ListOrganizationApplicationsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, reviewers...); err != nil {
		return nil, err
	}
	qp := req.Params
	limit := web.Limit(qp.Limit)
	params := db.ListOrgApplicationsParams{
		OrganizationID: req.OrganizationID, Statuses: queueStatuses, ProgramID: qp.ProgramID, GroupID: qp.GroupID,
		WaitingBefore: qp.WaitingBefore, WaitingAfter: qp.WaitingSince, Lim: int32(limit + 1),
	}
	if qp.Status != nil {
		params.Statuses = []string{string(*qp.Status)}
	}
	if qp.Cursor != nil {
		at, id, err := web.DecodeCursor(*qp.Cursor)
		if err != nil {
			return nil, &web.Error{Problem: web.BadCursor(ctx)}
		}
		params.AfterWaitingSince, params.AfterID = &at, &id
	}
	rows, err := s.Q.ListOrgApplications(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.ApplicationSummaryPage{Items: []api.ApplicationSummary{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1].Application
		page.NextCursor = ptr(web.EncodeCursor(*last.WaitingSince, last.ID))
	}
	for _, r := range rows {
		page.Items = append(page.Items, summaryDTO(r.Application, r.ProgramTitle, r.GroupCode, r.OrganizationName))
	}
	return api.ListOrganizationApplications200JSONResponse(page), nil
}

// GetOrganizationApplication returns an application sent to the
// organization, with its internal notes.
func (s *Handler) GetOrganizationApplication(ctx context.Context, req api.GetOrganizationApplicationRequestObject) (api.GetOrganizationApplicationResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, reviewers...); err != nil {
		return nil, err
	}
	a, err := s.Q.GetOrgApplication(ctx, db.GetOrgApplicationParams{OrganizationID: req.OrganizationID, ID: req.ApplicationID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(ctx)
	}
	if err != nil {
		return nil, err
	}
	out, err := s.view(ctx, s.Q, a, true)
	if err != nil {
		return nil, err
	}
	return api.GetOrganizationApplication200JSONResponse(out), nil
}

// CommentApplication adds a comment (or an internal note) to the history.
func (s *Handler) CommentApplication(ctx context.Context, req api.CommentApplicationRequestObject) (api.CommentApplicationResponseObject, error) {
	internal := req.Body.Internal != nil && *req.Body.Internal
	out, err := s.review(ctx, req.OrganizationID, req.ApplicationID, func(q txn, p *web.Principal, a db.Application) (db.Application, error) {
		return a, addEvent(ctx, q.Queries, a.ID, "commented", &p.User.ID, nil, "", &req.Body.Text, internal)
	})
	if err != nil {
		return nil, err
	}
	return api.CommentApplication200JSONResponse(out), nil
}

// RequestApplicationChanges returns an application to its applicant with
// the reason.
func (s *Handler) RequestApplicationChanges(ctx context.Context, req api.RequestApplicationChangesRequestObject) (api.RequestApplicationChangesResponseObject, error) {
	out, err := s.review(ctx, req.OrganizationID, req.ApplicationID, func(q txn, p *web.Principal, a db.Application) (db.Application, error) {
		return s.decide(ctx, q, p, a, actRequestChanges, db.ApplicationStatusNeedsChanges, "changes_requested", req.Body.Reason)
	})
	if err != nil {
		return nil, err
	}
	return api.RequestApplicationChanges200JSONResponse(out), nil
}

// RejectApplication rejects an application with the reason.
func (s *Handler) RejectApplication(ctx context.Context, req api.RejectApplicationRequestObject) (api.RejectApplicationResponseObject, error) {
	out, err := s.review(ctx, req.OrganizationID, req.ApplicationID, func(q txn, p *web.Principal, a db.Application) (db.Application, error) {
		return s.decide(ctx, q, p, a, actReject, db.ApplicationStatusRejected, "rejected", req.Body.Reason)
	})
	if err != nil {
		return nil, err
	}
	return api.RejectApplication200JSONResponse(out), nil
}

// ApproveApplication approves an application, a seat permitting; with the
// group full it goes to the waiting list.
func (s *Handler) ApproveApplication(ctx context.Context, req api.ApproveApplicationRequestObject) (api.ApproveApplicationResponseObject, error) {
	var reason *string
	if req.Body != nil {
		reason = req.Body.Reason
	}
	out, err := s.review(ctx, req.OrganizationID, req.ApplicationID, func(q txn, p *web.Principal, a db.Application) (db.Application, error) {
		if !allowed(actApprove, a.Status) {
			return a, illegal(ctx, actApprove, a.Status)
		}
		a, res, err := s.approve(ctx, q, a, &p.User.ID, reason, "approved")
		switch {
		case err != nil:
			return a, err
		case res == shut:
			return a, closed(ctx)
		case res == full:
			return a, web.Fail(ctx, http.StatusConflict, codeGroupFull,
				"The group is still full; the application stays on the waiting list.",
				web.FieldError("status", string(a.Status), "is the application's current status"))
		}
		return a, nil
	})
	if err != nil {
		return nil, err
	}
	return api.ApproveApplication200JSONResponse(out), nil
}

// decide moves a to status `to` with the reason, tells the applicant, and
// records the transition.
func (s *Handler) decide(ctx context.Context, q txn, p *web.Principal, a db.Application, act action, to db.ApplicationStatus, event, reason string) (db.Application, error) {
	if !allowed(act, a.Status) {
		return a, illegal(ctx, act, a.Status)
	}
	prev := a.Status
	a, err := q.SetApplicationStatus(ctx, db.SetApplicationStatusParams{ID: a.ID, Status: to, Now: s.Now()})
	if err != nil {
		return a, err
	}
	if err := addEvent(ctx, q.Queries, a.ID, event, &p.User.ID, &prev, to, &reason, false); err != nil {
		return a, err
	}
	return a, s.tellDecision(ctx, q, a, &reason)
}

// review runs fn on an application sent to organization orgID, locked, for
// its managers and admins, and returns the application as staff see it
// afterwards. What was never sent and other organizations' applications
// are 404.
func (s *Handler) review(ctx context.Context, orgID, appID uuid.UUID, fn func(txn, *web.Principal, db.Application) (db.Application, error)) (api.Application, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return api.Application{}, err
	}
	if _, err := s.RequireRole(ctx, p, orgID, reviewers...); err != nil {
		return api.Application{}, err
	}
	var out api.Application
	err = store.InTxJobs(ctx, s.Pool, func(dq *db.Queries, tx pgx.Tx) error {
		q := txn{dq, tx}
		a, err := q.LockApplication(ctx, appID)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && (a.OrganizationID != orgID || a.SubmittedAt == nil) {
			return notFound(ctx)
		}
		if err != nil {
			return err
		}
		if a, err = fn(q, p, a); err != nil {
			return err
		}
		out, err = s.view(ctx, q.Queries, a, true)
		return err
	})
	return out, err
}
