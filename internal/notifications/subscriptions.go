package notifications

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListMailingSubscriptions lists the caller's opt-ins, withdrawn ones too.
func (s *Handler) ListMailingSubscriptions(ctx context.Context, _ api.ListMailingSubscriptionsRequestObject) (api.ListMailingSubscriptionsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.Q.ListMailingSubscriptions(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	out := api.MailingSubscriptionList{Items: []api.MailingSubscription{}}
	for _, r := range rows {
		out.Items = append(out.Items, subscriptionDTO(r.MailingSubscription, r.OrganizationName))
	}
	return api.ListMailingSubscriptions200JSONResponse(out), nil
}

// SubscribeToMailing records the caller's opt-in to an organization's list
// and turns on the account-wide switch of that kind of mailing.
func (s *Handler) SubscribeToMailing(ctx context.Context, req api.SubscribeToMailingRequestObject) (api.SubscribeToMailingResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	// Any member, learners first of all; a blocked membership is refused.
	if _, err := s.RequireRole(ctx, p, req.OrganizationID); err != nil {
		return nil, err
	}
	list := db.MailingList(req.List)
	var out api.MailingSubscription
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		sub, err := q.Subscribe(ctx, db.SubscribeParams{
			UserID: p.User.ID, OrganizationID: req.OrganizationID, List: list, PolicyVersion: req.Body.PolicyVersion,
		})
		if err != nil {
			return err
		}
		if err := enableKind(ctx, q, p.User.ID, list); err != nil {
			return err
		}
		name, err := q.OrganizationName(ctx, req.OrganizationID)
		if err != nil {
			return err
		}
		out = subscriptionDTO(sub, name)
		uid := p.User.ID
		return s.RecordIn(ctx, q, audit.MailingSubscribed, req.OrganizationID, &uid, nil, map[string]any{
			"list": string(list), "policyVersion": sub.PolicyVersion,
		})
	})
	if err != nil {
		return nil, err
	}
	return api.SubscribeToMailing200JSONResponse(out), nil
}

// enableKind turns on the account-wide preference that a subscription to
// list needs (internal/identity's notification preferences), keeping the
// others; advertising consent gets its time there too.
func enableKind(ctx context.Context, q *db.Queries, userID uuid.UUID, list db.MailingList) error {
	prefs, err := q.GetNotificationPreferences(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		prefs = db.NotificationPreference{EmailNews: true} // identity's defaults
	} else if err != nil {
		return err
	}
	in := db.UpsertNotificationPreferencesParams{
		UserID: userID, EmailNews: prefs.EmailNews, EmailMarketing: prefs.EmailMarketing, SmsMarketing: prefs.SmsMarketing,
	}
	switch list {
	case db.MailingListInformation:
		in.EmailNews = true
	case db.MailingListAdvertising:
		in.EmailMarketing = true
	}
	_, err = q.UpsertNotificationPreferences(ctx, in)
	return err
}

// UnsubscribeFromMailing withdraws the caller's opt-in.
func (s *Handler) UnsubscribeFromMailing(ctx context.Context, req api.UnsubscribeFromMailingRequestObject) (api.UnsubscribeFromMailingResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	out, err := s.unsubscribe(ctx, p.User.ID, req.OrganizationID, db.MailingList(req.List), "account")
	if errors.Is(err, pgx.ErrNoRows) {
		return api.UnsubscribeFromMailing404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, 404, web.CodeNotFound, "There is no such subscription."))}, nil
	}
	if err != nil {
		return nil, err
	}
	return api.UnsubscribeFromMailing200JSONResponse(out), nil
}

// unsubscribe withdraws a subscription (pgx.ErrNoRows when there is none)
// and audits the first withdrawal; via is "account" or "link".
func (s *Handler) unsubscribe(ctx context.Context, userID, orgID uuid.UUID, list db.MailingList, via string) (api.MailingSubscription, error) {
	var out api.MailingSubscription
	err := store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		row, err := q.Unsubscribe(ctx, db.UnsubscribeParams{UserID: userID, OrganizationID: orgID, List: list, Via: &via})
		if err != nil {
			return err
		}
		out = subscriptionDTO(row.MailingSubscription, row.OrganizationName)
		if !row.Withdrawn {
			return nil
		}
		return s.RecordIn(ctx, q, audit.MailingUnsubscribed, orgID, &userID, nil, map[string]any{"list": string(list), "via": via})
	})
	return out, err
}

func subscriptionDTO(m db.MailingSubscription, orgName string) api.MailingSubscription {
	return api.MailingSubscription{
		OrganizationID: m.OrganizationID, OrganizationName: orgName, List: api.MailingList(m.List),
		Subscribed: m.UnsubscribedAt == nil, ConsentedAt: m.ConsentedAt.UTC(), PolicyVersion: m.PolicyVersion,
		UnsubscribedAt: web.UTCPtr(m.UnsubscribedAt),
	}
}
