package httpapi

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// codeRefreshInProgress answers a refresh token used again within the grace
// window: another request (a second tab) has just rotated it. The session
// stays; the client uses the tokens the other request received.
const codeRefreshInProgress = "refresh_in_progress"

func refreshInProgress(ctx context.Context) api.RefreshTokens409ApplicationProblemPlusJSONResponse {
	return api.RefreshTokens409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
		newProblem(ctx, http.StatusConflict, codeRefreshInProgress,
			"This refresh token was just used by another request; use the tokens it received, or retry in a moment."))}
}

// ListMySessions pages through the caller's live sessions, newest first.
func (s *Server) ListMySessions(ctx context.Context, req api.ListMySessionsRequestObject) (api.ListMySessionsResponseObject, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	limit := pageSize(req.Params.Limit)
	params := db.ListUserSessionsParams{UserID: p.user.ID, MaxRows: int32(limit + 1)}
	if req.Params.Cursor != nil {
		at, id, err := decodeCursor(*req.Params.Cursor)
		if err != nil {
			return api.ListMySessions422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
				badCursorProblem(ctx))}, nil
		}
		params.BeforeCreatedAt, params.BeforeID = &at, &id
	}
	rows, err := s.q.ListUserSessions(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.SessionPage{}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		next := encodeCursor(last.CreatedAt, last.ID)
		page.NextCursor = &next
	}
	page.Items = make([]api.Session, 0, len(rows))
	for _, r := range rows {
		var ip *string
		if r.Ip != nil {
			ip = ptr(r.Ip.String())
		}
		page.Items = append(page.Items, api.Session{
			ID: r.ID, UserAgent: r.UserAgent, IP: ip, RememberMe: r.RememberMe, Current: r.ID == p.sessionID,
			CreatedAt: r.CreatedAt.UTC(), LastUsedAt: r.LastUsedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
		})
	}
	return api.ListMySessions200JSONResponse(page), nil
}

// RevokeSession ends one of the caller's sessions. Another account's
// session is "not found", like one that does not exist.
func (s *Server) RevokeSession(ctx context.Context, req api.RevokeSessionRequestObject) (api.RevokeSessionResponseObject, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var n int64
	err = store.InTx(ctx, s.pool, func(q *db.Queries) error {
		n, err = q.RevokeUserSession(ctx, db.RevokeUserSessionParams{ID: req.SessionID, UserID: p.user.ID, Reason: ptr("revoked_by_user")})
		if err != nil || n == 0 {
			return err
		}
		return s.record(ctx, q, audit.SessionRevoked, p.user.ID, map[string]any{
			"sessionId": req.SessionID, "current": req.SessionID == p.sessionID,
		})
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return api.RevokeSession404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(
			newProblem(ctx, http.StatusNotFound, codeNotFound, "You have no active session with this id."))}, nil
	}
	return api.RevokeSession204Response{}, nil
}

// RevokeOtherSessions ends every session of the caller but the current one.
func (s *Server) RevokeOtherSessions(ctx context.Context, _ api.RevokeOtherSessionsRequestObject) (api.RevokeOtherSessionsResponseObject, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var n int64
	err = store.InTx(ctx, s.pool, func(q *db.Queries) error {
		n, err = s.revokeSessions(ctx, q, p.user.ID, p.sessionID, "revoked_by_user")
		if err != nil || n == 0 {
			return err
		}
		return s.record(ctx, q, audit.SessionRevoked, p.user.ID, map[string]any{"scope": "others", "count": n})
	})
	if err != nil {
		return nil, err
	}
	return api.RevokeOtherSessions200JSONResponse{RevokedCount: int(n)}, nil
}

// revokeSessions ends every live session of user except keep (uuid.Nil:
// all of them) and reports how many it ended.
func (s *Server) revokeSessions(ctx context.Context, q *db.Queries, user, keep uuid.UUID, reason string) (int64, error) {
	return q.RevokeUserSessionsExcept(ctx, db.RevokeUserSessionsExceptParams{UserID: user, KeepID: keep, Reason: &reason})
}

// pageSize is the limit query parameter or its default.
func pageSize(limit *api.Limit) int {
	if limit == nil {
		return 20
	}
	return *limit
}

func badCursorProblem(ctx context.Context) api.Problem {
	return newProblem(ctx, http.StatusUnprocessableEntity, codeValidationFailed, "One or more fields are invalid.",
		fieldError("query.cursor", "invalid_value", "is not a cursor returned by this list"))
}
