package notifications

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// channels says through which channels one category reaches a user.
type channels struct {
	InApp, Email, Sms bool
}

// defaultChannels are the settings of a user who never changed them:
// in-app for everything; e-mail for what needs acting on (applications,
// payments, support answers, documents); SMS for nothing (it costs money
// and interrupts).
func defaultChannels(c db.NotificationCategory) channels {
	switch c {
	case CategoryApplication, CategoryPayment, CategorySupport, CategoryDocument:
		return channels{InApp: true, Email: true}
	}
	return channels{InApp: true}
}

// channelsOf reads a user's settings for category c.
func channelsOf(ctx context.Context, q *db.Queries, userID uuid.UUID, c db.NotificationCategory) (channels, error) {
	row, err := q.GetNotificationSetting(ctx, db.GetNotificationSettingParams{UserID: userID, Category: c})
	if errors.Is(err, pgx.ErrNoRows) {
		return defaultChannels(c), nil
	}
	if err != nil {
		return channels{}, err
	}
	return channels{InApp: row.InApp, Email: row.Email, Sms: row.Sms}, nil
}

// GetNotificationSettings returns the caller's channels for every category.
func (s *Handler) GetNotificationSettings(ctx context.Context, _ api.GetNotificationSettingsRequestObject) (api.GetNotificationSettingsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	out, err := settingsOf(ctx, s.Q, p.User.ID)
	if err != nil {
		return nil, err
	}
	return api.GetNotificationSettings200JSONResponse(out), nil
}

// UpdateNotificationSettings sets the channels of the listed categories.
func (s *Handler) UpdateNotificationSettings(ctx context.Context, req api.UpdateNotificationSettingsRequestObject) (api.UpdateNotificationSettingsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var fields []api.FieldError
	var seen []api.NotificationCategory
	for i, c := range req.Body.Categories {
		if slices.Contains(seen, c.Category) {
			fields = append(fields, web.FieldError(fmt.Sprintf("categories.%d.category", i), "duplicate", "is listed more than once"))
		}
		seen = append(seen, c.Category)
	}
	if len(fields) > 0 {
		return api.UpdateNotificationSettings422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.Invalid(ctx, fields...))}, nil
	}
	var out api.NotificationSettings
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		for _, c := range req.Body.Categories {
			if err := q.UpsertNotificationSetting(ctx, db.UpsertNotificationSettingParams{
				UserID: p.User.ID, Category: db.NotificationCategory(c.Category), InApp: c.InApp, Email: c.Email, Sms: c.Sms,
			}); err != nil {
				return err
			}
		}
		out, err = settingsOf(ctx, q, p.User.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateNotificationSettings200JSONResponse(out), nil
}

// settingsOf lists every category with the user's channels (stored or
// default), in the order of the category enum.
func settingsOf(ctx context.Context, q *db.Queries, userID uuid.UUID) (api.NotificationSettings, error) {
	rows, err := q.ListNotificationSettings(ctx, userID)
	if err != nil {
		return api.NotificationSettings{}, err
	}
	stored := map[db.NotificationCategory]channels{}
	for _, r := range rows {
		stored[r.Category] = channels{InApp: r.InApp, Email: r.Email, Sms: r.Sms}
	}
	out := api.NotificationSettings{Categories: []api.NotificationChannels{}}
	for _, c := range db.AllNotificationCategoryValues() {
		ch, ok := stored[c]
		if !ok {
			ch = defaultChannels(c)
		}
		out.Categories = append(out.Categories, api.NotificationChannels{
			Category: api.NotificationCategory(c), InApp: ch.InApp, Email: ch.Email, Sms: ch.Sms,
		})
	}
	return out, nil
}
