package notifications

import (
	"context"
	"encoding/base64"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListNotifications pages through the caller's inbox, newest first.
func (s *Handler) ListNotifications(ctx context.Context, req api.ListNotificationsRequestObject) (api.ListNotificationsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	before, ok := decodeSeqCursor(req.Params.Cursor)
	if !ok {
		return api.ListNotifications422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.BadCursor(ctx))}, nil
	}
	limit := web.Limit(req.Params.Limit)
	in := db.ListNotificationsParams{UserID: p.User.ID, BeforeSeq: before, MaxRows: int32(limit + 1)}
	if req.Params.Unread != nil {
		in.UnreadOnly = *req.Params.Unread
	}
	if c := req.Params.Category; c != nil {
		in.Category = db.NullNotificationCategory{NotificationCategory: db.NotificationCategory(*c), Valid: true}
	}
	rows, err := s.Q.ListNotifications(ctx, in)
	if err != nil {
		return nil, err
	}
	page := api.NotificationPage{Items: []api.Notification{}}
	if len(rows) > limit {
		rows = rows[:limit]
		next := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(rows[len(rows)-1].Seq, 10)))
		page.NextCursor = &next
	}
	for _, r := range rows {
		page.Items = append(page.Items, notificationDTO(r))
	}
	return api.ListNotifications200JSONResponse(page), nil
}

// decodeSeqCursor returns the number below which the page starts: the
// cursor is base64url of the last number of the previous page.
func decodeSeqCursor(c *string) (int64, bool) {
	if c == nil {
		return math.MaxInt64, true
	}
	raw, err := base64.RawURLEncoding.DecodeString(*c)
	if err != nil {
		return 0, false
	}
	seq, err := strconv.ParseInt(string(raw), 10, 64)
	return seq, err == nil && seq > 0
}

// GetUnreadNotificationCount returns the caller's badge numbers.
func (s *Handler) GetUnreadNotificationCount(ctx context.Context, _ api.GetUnreadNotificationCountRequestObject) (api.GetUnreadNotificationCountResponseObject, error) {
	// One statement checks the session and counts (web.Base.SessionInStatement).
	userID, sessionID, err := web.UncheckedCaller(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.Q.CountMyUnreadNotifications(ctx, db.CountMyUnreadNotificationsParams{UserID: userID, SessionID: sessionID})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, web.SessionEnded(ctx)
	}
	// The principal is not read again in this request: its id is enough.
	if _, err := web.Confirm(ctx, db.User{ID: userID, Status: db.UserStatusActive}, time.Time{}); err != nil {
		return nil, err
	}
	var out api.UnreadNotificationCount
	for _, r := range rows {
		if r.Category.Valid {
			addUnread(&out, r.Category.NotificationCategory, r.Unread)
		}
	}
	return api.GetUnreadNotificationCount200JSONResponse(out), nil
}

// SessionInStatement lists the notification reads whose handlers check the
// caller's session in their own statement (web.Base.SessionInStatement):
// the unread badge, fetched on every page of the SPA.
func SessionInStatement() []string { return []string{"GetUnreadNotificationCount"} }

// MarkNotificationRead marks one of the caller's notifications read.
func (s *Handler) MarkNotificationRead(ctx context.Context, req api.MarkNotificationReadRequestObject) (api.MarkNotificationReadResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var n db.Notification
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if n, err = q.MarkNotificationRead(ctx, db.MarkNotificationReadParams{ID: req.NotificationID, UserID: p.User.ID}); err != nil {
			return err
		}
		return q.NotifyInboxChanged(ctx, p.User.ID.String())
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return api.MarkNotificationRead404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, 404, web.CodeNotFound, "There is no such notification."))}, nil
	}
	if err != nil {
		return nil, err
	}
	return api.MarkNotificationRead200JSONResponse(notificationDTO(n)), nil
}

// MarkAllNotificationsRead marks the caller's unread notifications read,
// all or one category's.
func (s *Handler) MarkAllNotificationsRead(ctx context.Context, req api.MarkAllNotificationsReadRequestObject) (api.MarkAllNotificationsReadResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var cat db.NullNotificationCategory
	if c := req.Params.Category; c != nil {
		cat = db.NullNotificationCategory{NotificationCategory: db.NotificationCategory(*c), Valid: true}
	}
	var out api.MarkedNotifications
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		marked, err := q.MarkAllNotificationsRead(ctx, db.MarkAllNotificationsReadParams{UserID: p.User.ID, Category: cat})
		if err != nil {
			return err
		}
		out.Marked = int(marked)
		if out.Unread, err = unreadOf(ctx, q, p.User.ID); err != nil {
			return err
		}
		if out.Marked == 0 {
			return nil
		}
		return q.NotifyInboxChanged(ctx, p.User.ID.String())
	})
	if err != nil {
		return nil, err
	}
	return api.MarkAllNotificationsRead200JSONResponse(out), nil
}

// unreadOf counts a user's unread notifications, per category and in all.
func unreadOf(ctx context.Context, q *db.Queries, userID uuid.UUID) (api.UnreadNotificationCount, error) {
	rows, err := q.CountUnreadNotifications(ctx, userID)
	if err != nil {
		return api.UnreadNotificationCount{}, err
	}
	var out api.UnreadNotificationCount
	for _, r := range rows {
		addUnread(&out, r.Category, r.Unread)
	}
	return out, nil
}

// addUnread adds a category's unread count to out.
func addUnread(out *api.UnreadNotificationCount, category db.NotificationCategory, unread int32) {
	out.Total += int(unread)
	switch category {
	case CategoryApplication:
		out.ByCategory.Application = int(unread)
	case CategoryPayment:
		out.ByCategory.Payment = int(unread)
	case CategoryMessage:
		out.ByCategory.Message = int(unread)
	case CategorySupport:
		out.ByCategory.Support = int(unread)
	case CategoryDocument:
		out.ByCategory.Document = int(unread)
	case CategoryNews:
		out.ByCategory.News = int(unread)
	case CategoryAccount:
		out.ByCategory.Account = int(unread)
	}
}

func notificationDTO(n db.Notification) api.Notification {
	out := api.Notification{
		ID: n.ID, Seq: n.Seq, Category: api.NotificationCategory(n.Category), Title: n.Title, Body: n.Body,
		OrganizationID: n.OrganizationID, CreatedAt: n.CreatedAt.UTC(), ReadAt: web.UTCPtr(n.ReadAt),
	}
	if n.LinkKind != nil && n.LinkID != nil {
		out.Link = &api.NotificationLink{Kind: *n.LinkKind, ID: *n.LinkID, Path: n.LinkPath}
	}
	return out
}
