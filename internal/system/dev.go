package system

import (
	"context"
	"net/http"
	"strings"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/contact"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListDevMessages shows the newest outbox messages to testers, so they can
// read codes and links without a mail server. It exists only in development:
// elsewhere it answers 404 as an unknown route would.
func (s *Handler) ListDevMessages(ctx context.Context, req api.ListDevMessagesRequestObject) (api.ListDevMessagesResponseObject, error) {
	if s.Cfg.Env != config.EnvDevelopment {
		return api.ListDevMessages404ApplicationProblemPlusJSONResponse(web.NewProblem(ctx, http.StatusNotFound, web.CodeNotFound,
			"Development tools are available only with KABINET_ENV=development.")), nil
	}
	limit := 20
	if req.Params.Limit != nil {
		limit = *req.Params.Limit
	}
	params := db.ListRecentMessagesParams{MaxRows: int32(limit)}
	if req.Params.Recipient != nil {
		r := devRecipient(*req.Params.Recipient, s.Cfg.PhoneDefaultRegion)
		params.Recipient = &r
	}
	rows, err := s.Q.ListRecentMessages(ctx, params)
	if err != nil {
		return nil, err
	}
	items := make([]api.DevMessage, 0, len(rows))
	for _, m := range rows {
		sentAt := m.SentAt
		if sentAt != nil {
			utc := sentAt.UTC()
			sentAt = &utc
		}
		items = append(items, api.DevMessage{
			ID: m.ID, Channel: api.DevMessageChannel(m.Channel), Recipient: m.Recipient, Template: m.Template,
			Locale: api.Locale(m.Locale), Subject: m.Subject, BodyText: m.BodyText, BodyHTML: m.BodyHtml,
			Status: api.DevMessageStatus(m.Status), Attempts: m.Attempts, LastError: m.LastError,
			CreatedAt: m.CreatedAt.UTC(), SentAt: sentAt,
		})
	}
	return api.ListDevMessages200JSONResponse{Items: items}, nil
}

// devRecipient writes a recipient the way the outbox stores it: e-mail in
// lower case, phones in E.164. Anything else is matched as given.
func devRecipient(r, region string) string {
	if contact.IsEmailLike(r) {
		return strings.ToLower(strings.TrimSpace(r))
	}
	if phone, err := contact.NormalizePhone(r, region); err == nil {
		return phone
	}
	return strings.TrimSpace(r)
}
