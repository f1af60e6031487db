package notifications

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// mailingSenders may send and see an organization's mailings.
var mailingSenders = []db.MemberRole{db.MemberRoleManager, db.MemberRoleAdmin}

// CreateMailing queues a mailing; a background job fans it out.
func (s *Handler) CreateMailing(ctx context.Context, req api.CreateMailingRequestObject) (api.CreateMailingResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, mailingSenders...); err != nil {
		return nil, err
	}
	b := req.Body
	var m db.Mailing
	err = pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		q := db.New(tx)
		uid := p.User.ID
		m, err = q.CreateMailing(ctx, db.CreateMailingParams{
			OrganizationID: req.OrganizationID, List: db.MailingList(b.List), Subject: b.Subject, Body: b.Body, CreatedBy: &uid,
		})
		if err != nil {
			return err
		}
		if _, err := s.pub.jobs.InsertTx(ctx, tx, MailingArgs{MailingID: m.ID}, nil); err != nil {
			return err
		}
		return s.RecordIn(ctx, q, audit.MailingCreated, req.OrganizationID, nil, &uid, map[string]any{
			"mailingId": m.ID, "list": string(m.List), "subject": m.Subject,
		})
	})
	if err != nil {
		return nil, err
	}
	return api.CreateMailing202JSONResponse(mailingDTO(m)), nil
}

// ListMailings pages through an organization's mailings, newest first.
func (s *Handler) ListMailings(ctx context.Context, req api.ListMailingsRequestObject) (api.ListMailingsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, mailingSenders...); err != nil {
		return nil, err
	}
	in := db.ListMailingsParams{OrganizationID: req.OrganizationID, MaxRows: int32(web.Limit(req.Params.Limit) + 1)}
	if c := req.Params.Cursor; c != nil {
		at, id, err := web.DecodeCursor(*c)
		if err != nil {
			return api.ListMailings422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
				web.BadCursor(ctx))}, nil
		}
		in.BeforeAt, in.BeforeID = &at, &id
	}
	rows, err := s.Q.ListMailings(ctx, in)
	if err != nil {
		return nil, err
	}
	page := api.MailingPage{Items: []api.Mailing{}}
	if limit := web.Limit(req.Params.Limit); len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		next := web.EncodeCursor(last.CreatedAt, last.ID)
		page.NextCursor = &next
	}
	for _, m := range rows {
		page.Items = append(page.Items, mailingDTO(m))
	}
	return api.ListMailings200JSONResponse(page), nil
}

// GetMailing returns one of the organization's mailings.
func (s *Handler) GetMailing(ctx context.Context, req api.GetMailingRequestObject) (api.GetMailingResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, mailingSenders...); err != nil {
		return nil, err
	}
	m, err := s.Q.GetMailing(ctx, db.GetMailingParams{ID: req.MailingID, OrganizationID: req.OrganizationID})
	if errors.Is(err, pgx.ErrNoRows) {
		return api.GetMailing404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such mailing."))}, nil
	}
	if err != nil {
		return nil, err
	}
	return api.GetMailing200JSONResponse(mailingDTO(m)), nil
}

func mailingDTO(m db.Mailing) api.Mailing {
	return api.Mailing{
		ID: m.ID, OrganizationID: m.OrganizationID, List: api.MailingList(m.List), Subject: m.Subject, Body: m.Body,
		Status: api.MailingStatus(m.Status), RecipientCount: int(m.RecipientCount), CreatedBy: m.CreatedBy,
		CreatedAt: m.CreatedAt.UTC(), SentAt: web.UTCPtr(m.SentAt),
	}
}
