package notifications

import (
	"bytes"
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// unsubscribePage is what a person sees at the link of a mailing: a
// confirmation with a button before, a notice after. The GET changes
// nothing, because mail scanners and link previews follow links.
const unsubscribePage = `<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}}</title></head>
<body style="font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em">
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
{{if .Button}}<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">{{.Button}}</button></form>{{end}}
</body></html>
`

type pageText struct {
	Lang, Title, Text, Button string
}

func unsubscribeText(locale, orgName string, list db.MailingList, done bool) pageText {
	kind := map[string]map[db.MailingList]string{
		"ru": {db.MailingListInformation: "информационной рассылки", db.MailingListAdvertising: "рекламной рассылки"},
		"en": {db.MailingListInformation: "the information mailing", db.MailingListAdvertising: "the advertising mailing"},
	}
	if locale == "en" {
		if done {
			return pageText{Lang: "en", Title: "You are unsubscribed", Text: "You will no longer receive " + kind["en"][list] + " of " + orgName + ". You can subscribe again in your account."}
		}
		return pageText{Lang: "en", Title: "Unsubscribe", Text: "Unsubscribe from " + kind["en"][list] + " of " + orgName + "?", Button: "Unsubscribe"}
	}
	if done {
		return pageText{Lang: "ru", Title: "Вы отписались", Text: "Вы больше не будете получать письма " + kind["ru"][list] + " «" + orgName + "». Подписаться снова можно в личном кабинете."}
	}
	return pageText{Lang: "ru", Title: "Отписка от рассылки", Text: "Отписаться от " + kind["ru"][list] + " «" + orgName + "»?", Button: "Отписаться"}
}

// ShowUnsubscribe shows the confirmation page of an unsubscribe link.
func (s *Handler) ShowUnsubscribe(ctx context.Context, req api.ShowUnsubscribeRequestObject) (api.ShowUnsubscribeResponseObject, error) {
	t, locale, err := s.linkToken(ctx, req.Params.Token)
	if errors.Is(err, pgx.ErrNoRows) {
		return api.ShowUnsubscribe404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(
			unknownLink(ctx))}, nil
	}
	if err != nil {
		return nil, err
	}
	page, err := s.render(unsubscribeText(locale, t.OrganizationName, t.List, false))
	if err != nil {
		return nil, err
	}
	return api.ShowUnsubscribe200TextHTMLResponse{Body: bytes.NewReader(page), ContentLength: int64(len(page))}, nil
}

// Unsubscribe is the one-click unsubscribe of RFC 8058: no sign-in, the
// token names the recipient and the list. Repeating it changes nothing.
func (s *Handler) Unsubscribe(ctx context.Context, req api.UnsubscribeRequestObject) (api.UnsubscribeResponseObject, error) {
	t, locale, err := s.linkToken(ctx, req.Params.Token)
	if errors.Is(err, pgx.ErrNoRows) {
		return api.Unsubscribe404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(
			unknownLink(ctx))}, nil
	}
	if err != nil {
		return nil, err
	}
	_, err = s.unsubscribe(ctx, t.UserID, t.OrganizationID, t.List, "link")
	if err != nil && !errors.Is(err, pgx.ErrNoRows) { // no subscription left: nothing to withdraw
		return nil, err
	}
	page, err := s.render(unsubscribeText(locale, t.OrganizationName, t.List, true))
	if err != nil {
		return nil, err
	}
	return api.Unsubscribe200TextHTMLResponse{Body: bytes.NewReader(page), ContentLength: int64(len(page))}, nil
}

// linkToken finds the unsubscribe token and its recipient's locale.
func (s *Handler) linkToken(ctx context.Context, token string) (db.GetUnsubscribeTokenRow, string, error) {
	t, err := s.Q.GetUnsubscribeToken(ctx, hashToken(token))
	if err != nil {
		return t, "", err
	}
	locale := "ru"
	if u, err := s.Q.GetNotificationRecipient(ctx, t.UserID); err == nil {
		locale = u.Locale
	}
	return t, locale, nil
}

func unknownLink(ctx context.Context) api.Problem {
	return web.NewProblem(ctx, http.StatusNotFound, web.CodeNotFound, "This unsubscribe link is not known.")
}

func (s *Handler) render(t pageText) ([]byte, error) {
	var buf bytes.Buffer
	if err := s.pages.Execute(&buf, t); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
