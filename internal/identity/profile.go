package identity

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	// The tz database inside the binary: time zones validate the same on a
	// server image without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// GetProfile returns the caller's profile.
func (s *Handler) GetProfile(ctx context.Context, _ api.GetProfileRequestObject) (api.GetProfileResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return api.GetProfile200JSONResponse(userDTO(p.User)), nil
}

// UpdateProfile changes the caller's name, locale or time zone; absent
// fields keep their value.
func (s *Handler) UpdateProfile(ctx context.Context, req api.UpdateProfileRequestObject) (api.UpdateProfileResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	in := db.UpdateProfileParams{ID: p.User.ID}
	var fields []api.FieldError
	for _, f := range []struct {
		name string
		in   *string
		out  **string
	}{{"firstName", b.FirstName, &in.FirstName}, {"lastName", b.LastName, &in.LastName}} {
		if f.in == nil {
			continue
		}
		v, errs := web.CheckName(f.name, *f.in)
		fields = append(fields, errs...)
		*f.out = &v
	}
	if b.Locale != nil {
		in.Locale = ptr(string(*b.Locale))
	}
	if b.TimeZone != nil {
		if !validTimeZone(*b.TimeZone) {
			fields = append(fields, web.FieldError("timeZone", "invalid_value", "is not an IANA time zone name such as Europe/Moscow"))
		}
		in.TimeZone = b.TimeZone
	}
	var pd *db.SetPersonalDataParams
	if b.PersonalData != nil {
		var errs []api.FieldError
		pd, errs = personalDataParams(p.User.ID, *b.PersonalData)
		fields = append(fields, errs...)
	}
	if len(fields) > 0 {
		return api.UpdateProfile422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.", fields...))}, nil
	}
	var user db.User
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if user, err = q.UpdateProfile(ctx, in); err != nil || pd == nil {
			return err
		}
		user, err = q.SetPersonalData(ctx, *pd)
		return err
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateProfile200JSONResponse(userDTO(user)), nil
}

// validTimeZone accepts IANA names known to the tz database. "Local" and ""
// name the server's own zone, which means nothing to the user.
func validTimeZone(name string) bool {
	if name == "" || name == "Local" || strings.ContainsAny(name, " \\") {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// Defaults of the mailing preferences of a user who never changed them:
// informational mailings on, advertising off until the user opts in.
var defaultPreferences = db.NotificationPreference{EmailNews: true}

// GetNotificationPreferences returns the caller's mailing subscriptions.
func (s *Handler) GetNotificationPreferences(ctx context.Context, _ api.GetNotificationPreferencesRequestObject) (api.GetNotificationPreferencesResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	prefs, err := s.preferencesOf(ctx, s.Q, p.User.ID)
	if err != nil {
		return nil, err
	}
	return api.GetNotificationPreferences200JSONResponse(preferencesDTO(prefs)), nil
}

// UpdateNotificationPreferences replaces the caller's mailing subscriptions;
// advertising opt-ins and opt-outs are audited as proof of consent.
func (s *Handler) UpdateNotificationPreferences(ctx context.Context, req api.UpdateNotificationPreferencesRequestObject) (api.UpdateNotificationPreferencesResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	var out db.NotificationPreference
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		before, err := s.preferencesOf(ctx, q, p.User.ID)
		if err != nil {
			return err
		}
		out, err = q.UpsertNotificationPreferences(ctx, db.UpsertNotificationPreferencesParams{
			UserID: p.User.ID, EmailNews: b.EmailNews, EmailMarketing: b.EmailMarketing, SmsMarketing: b.SmsMarketing,
		})
		if err != nil {
			return err
		}
		if before.EmailMarketing == out.EmailMarketing && before.SmsMarketing == out.SmsMarketing {
			return nil
		}
		return s.Record(ctx, q, audit.MarketingConsentChanged, p.User.ID, map[string]any{
			"emailMarketing": out.EmailMarketing, "smsMarketing": out.SmsMarketing,
		})
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateNotificationPreferences200JSONResponse(preferencesDTO(out)), nil
}

func (s *Handler) preferencesOf(ctx context.Context, q *db.Queries, userID uuid.UUID) (db.NotificationPreference, error) {
	prefs, err := q.GetNotificationPreferences(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return defaultPreferences, nil
	}
	return prefs, err
}

func preferencesDTO(p db.NotificationPreference) api.NotificationPreferences {
	out := api.NotificationPreferences{EmailNews: p.EmailNews, EmailMarketing: p.EmailMarketing, SmsMarketing: p.SmsMarketing}
	if p.MarketingConsentAt != nil {
		out.MarketingConsentAt = ptr(p.MarketingConsentAt.UTC())
	}
	return out
}
