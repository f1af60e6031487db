package notifications

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// TicketScheme is the security scheme of the stream ticket (api/root.yaml).
const TicketScheme = "streamTicket"

// CodeInvalidTicket: a stream ticket that is unknown, used, expired or of
// an ended session.
const CodeInvalidTicket = "invalid_stream_ticket"

// CreateStreamTicket issues a single-use ticket for the caller's stream.
func (s *Handler) CreateStreamTicket(ctx context.Context, _ api.CreateStreamTicketRequestObject) (api.CreateStreamTicketResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	ticket := "st_" + rand.Text() + rand.Text()
	expires := s.Now().Add(s.Cfg.Notifications.StreamTicketTTL).UTC()
	if err := s.Q.DeleteStaleStreamTickets(ctx, p.User.ID); err != nil {
		return nil, err
	}
	if err := s.Q.CreateStreamTicket(ctx, db.CreateStreamTicketParams{
		TokenHash: hashToken(ticket), UserID: p.User.ID, SessionID: p.SessionID, ExpiresAt: expires,
	}); err != nil {
		return nil, err
	}
	return api.CreateStreamTicket201JSONResponse{Ticket: ticket, ExpiresAt: expires}, nil
}

// AuthenticateTicket is the validator's AuthenticationFunc for
// TicketScheme: it spends the ticket in ?ticket= and makes its session's
// owner the caller. Without a ticket it gives the bearer check's verdict,
// so a caller who sent an expired access token learns that, not that a
// ticket is missing. bearer is the bearer scheme's check.
func (s *Handler) AuthenticateTicket(ctx context.Context, in *openapi3filter.AuthenticationInput, bearer openapi3filter.AuthenticationFunc) error {
	ticket := in.RequestValidationInput.Request.URL.Query().Get("ticket")
	if ticket == "" {
		again := *in
		again.SecuritySchemeName = "bearerAuth"
		return bearer(ctx, &again)
	}
	row, err := s.Q.UseStreamTicket(ctx, hashToken(ticket))
	if errors.Is(err, pgx.ErrNoRows) {
		return web.NewAuthError(CodeInvalidTicket, "The stream ticket is unknown, used or expired; ask for a new one.")
	}
	if err != nil {
		return err
	}
	return web.SetCaller(ctx, &web.Principal{User: row.User, SessionID: row.SessionID, AuthenticatedAt: row.AuthenticatedAt})
}

// hashToken is the stored form of a ticket or link token: each carries
// over 128 bits of randomness, so a fast hash is enough.
func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
