package identity

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// codeRefreshInProgress answers a refresh token used again within the grace
// window: another request (a second tab) has just rotated it. The session
// stays; the client uses the tokens the other request received.
const codeRefreshInProgress = "refresh_in_progress"

func refreshInProgress(ctx context.Context) api.RefreshTokens409ApplicationProblemPlusJSONResponse {
	return api.RefreshTokens409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
		web.NewProblem(ctx, http.StatusConflict, codeRefreshInProgress,
			"This refresh token was just used by another request; use the tokens it received, or retry in a moment."))}
}

// ListMySessions pages through the caller's live sessions, newest first.
func (s *Handler) ListMySessions(ctx context.Context, req api.ListMySessionsRequestObject) (api.ListMySessionsResponseObject, error) {
	userID, sessionID, err := web.UncheckedCaller(ctx)
	if err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.ListMySessionsParams{UserID: userID, SessionID: sessionID, MaxRows: int32(limit + 1)}
	if req.Params.Cursor != nil {
		at, id, err := web.DecodeCursor(*req.Params.Cursor)
		if err != nil {
			if err := s.CheckSession(ctx); err != nil {
				return nil, err
			}
			return api.ListMySessions422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
				web.BadCursor(ctx))}, nil
		}
		params.BeforeCreatedAt, params.BeforeID = &at, &id
	}
	// One statement checks the session and reads the page; no row is an
	// ended session or an empty page (a cursor past the end), told apart
	// by the usual check.
	rows, err := s.Q.ListMySessions(ctx, params)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		if err := s.CheckSession(ctx); err != nil {
			return nil, err
		}
	} else if _, err := web.Confirm(ctx, rows[0].User, rows[0].AuthenticatedAt); err != nil {
		return nil, err
	}
	page := api.SessionPage{}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		next := web.EncodeCursor(last.CreatedAt, last.ID)
		page.NextCursor = &next
	}
	page.Items = make([]api.Session, 0, len(rows))
	for _, r := range rows {
		var ip *string
		if r.Ip != nil {
			ip = ptr(r.Ip.String())
		}
		page.Items = append(page.Items, api.Session{
			ID: r.ID, UserAgent: r.UserAgent, IP: ip, RememberMe: r.RememberMe, Current: r.ID == sessionID,
			CreatedAt: r.CreatedAt.UTC(), LastUsedAt: r.LastUsedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
		})
	}
	return api.ListMySessions200JSONResponse(page), nil
}

// RevokeSession ends one of the caller's sessions. Another account's
// session is "not found", like one that does not exist.
func (s *Handler) RevokeSession(ctx context.Context, req api.RevokeSessionRequestObject) (api.RevokeSessionResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var n int64
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		n, err = q.RevokeUserSession(ctx, db.RevokeUserSessionParams{ID: req.SessionID, UserID: p.User.ID, Reason: ptr("revoked_by_user")})
		if err != nil || n == 0 {
			return err
		}
		return s.Record(ctx, q, audit.SessionRevoked, p.User.ID, map[string]any{
			"sessionId": req.SessionID, "current": req.SessionID == p.SessionID,
		})
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return api.RevokeSession404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusNotFound, web.CodeNotFound, "You have no active session with this id."))}, nil
	}
	return api.RevokeSession204Response{}, nil
}

// RevokeOtherSessions ends every session of the caller but the current one.
func (s *Handler) RevokeOtherSessions(ctx context.Context, _ api.RevokeOtherSessionsRequestObject) (api.RevokeOtherSessionsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var n int64
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		n, err = s.revokeSessions(ctx, q, p.User.ID, p.SessionID, "revoked_by_user")
		if err != nil || n == 0 {
			return err
		}
		return s.Record(ctx, q, audit.SessionRevoked, p.User.ID, map[string]any{"scope": "others", "count": n})
	})
	if err != nil {
		return nil, err
	}
	return api.RevokeOtherSessions200JSONResponse{RevokedCount: int(n)}, nil
}

// revokeSessions ends every live session of user except keep (uuid.Nil:
// all of them) and reports how many it ended.
func (s *Handler) revokeSessions(ctx context.Context, q *db.Queries, user, keep uuid.UUID, reason string) (int64, error) {
	return q.RevokeUserSessionsExcept(ctx, db.RevokeUserSessionsExceptParams{UserID: user, KeepID: keep, Reason: &reason})
}
