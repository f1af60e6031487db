package identity

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// rotateFast performs the usual refresh (an unused, unexpired token of a
// live session of a user who is not blocked) in one statement, without a
// transaction around several. ok is false when the token is anything else:
// the caller then takes the careful path, which tells the cases apart (a
// reuse, a concurrent refresh, an ended session, a blocked account).
func (s *Handler) rotateFast(ctx context.Context, token string) (out api.AuthResponse, ok bool, err error) {
	now := s.Now()
	refresh, hash := auth.NewRefreshToken()
	m := web.MetaFrom(ctx)
	expires := func(ttl time.Duration) time.Time { return now.Add(ttl).UTC().Truncate(time.Second) }
	row, err := s.Q.RotateRefreshToken(ctx, db.RotateRefreshTokenParams{
		TokenHash: auth.HashRefreshToken(token), Now: now,
		UserAgent: m.UserAgent, Ip: m.IP,
		SessionExpires: now.Add(s.Cfg.RefreshTTL), SessionExpiresRemember: now.Add(s.Cfg.RefreshRememberTTL),
		NewTokenHash: hash, NewExpires: expires(s.Cfg.RefreshTTL), NewExpiresRemember: expires(s.Cfg.RefreshRememberTTL),
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return api.AuthResponse{}, false, nil
	}
	if err != nil {
		return api.AuthResponse{}, false, err
	}
	newExpires := expires(s.refreshTTL(row.RememberMe))
	out, err = s.tokens(row.User, row.SessionID, row.RememberMe, refresh, newExpires)
	return out, err == nil, err
}
