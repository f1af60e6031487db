package system_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

func listDevMessages(t *testing.T, env *apitest.Env, params client.ListDevMessagesParams) *client.ListDevMessagesResponse {
	t.Helper()
	res, err := env.Client.ListDevMessagesWithResponse(context.Background(), &params)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func ptr[T any](v T) *T { return &v }

func TestDevMessagesListTheOutboxInDevelopment(t *testing.T) {
	t.Parallel()
	env := apitest.New(t) // KABINET_ENV defaults to development
	anna, boris := apitest.NewAccount(), apitest.NewAccount()
	apitest.Register(t, env, anna)
	apitest.Register(t, env, boris)
	phone := "+79215550101"
	if _, err := db.New(env.Pool).EnqueueMessage(context.Background(), db.EnqueueMessageParams{
		Channel: "sms", Recipient: phone, Template: "phone_code", Locale: "ru", BodyText: "Код: 123456",
	}); err != nil {
		t.Fatal(err)
	}

	// Public: no token needed. Newest first. (Enum values are spelled out:
	// generated constant names change when another schema gains the value.)
	res := listDevMessages(t, env, client.ListDevMessagesParams{})
	if res.JSON200 == nil {
		t.Fatalf("status %d: %s", res.StatusCode(), res.Body)
	}
	items := res.JSON200.Items
	if len(items) != 3 || items[0].Recipient != phone || items[1].Recipient != string(boris.Email) || items[2].Recipient != string(anna.Email) {
		t.Fatalf("items: %+v", items)
	}
	sms := items[0]
	if sms.Channel != client.DevMessageChannel("sms") || sms.BodyText != "Код: 123456" || sms.Status != client.DevMessageStatus("pending") ||
		sms.Attempts != 0 || sms.SentAt != nil || sms.LastError != nil || sms.CreatedAt.Location().String() != "UTC" {
		t.Errorf("sms: %+v", sms)
	}
	welcome := items[2]
	if welcome.Channel != client.DevMessageChannel("email") || welcome.Template != "welcome" || welcome.Locale != client.Ru ||
		welcome.Subject != "Добро пожаловать в личный кабинет" || !strings.Contains(welcome.BodyText, "Здравствуйте, Анна!") ||
		!strings.Contains(welcome.BodyHTML, "<p>Здравствуйте, Анна!</p>") {
		t.Errorf("welcome: %+v", welcome)
	}

	// Filters: e-mail in any case, phone in any common notation; limit.
	for _, tc := range []struct {
		params client.ListDevMessagesParams
		want   []string
	}{
		{client.ListDevMessagesParams{Recipient: ptr(strings.ToUpper(string(anna.Email)))}, []string{string(anna.Email)}},
		{client.ListDevMessagesParams{Recipient: ptr("8 (921) 555-01-01")}, []string{phone}},
		{client.ListDevMessagesParams{Recipient: ptr("nobody@example.org")}, nil},
		{client.ListDevMessagesParams{Limit: ptr(2)}, []string{phone, string(boris.Email)}},
	} {
		res := listDevMessages(t, env, tc.params)
		if res.JSON200 == nil {
			t.Fatalf("%+v: status %d: %s", tc.params, res.StatusCode(), res.Body)
		}
		var got []string
		for _, m := range res.JSON200.Items {
			got = append(got, m.Recipient)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%+v: recipients %v, want %v", tc.params, got, tc.want)
		}
	}

	// Bad input is a 422 naming the parameter.
	for _, tc := range []struct {
		params client.ListDevMessagesParams
		field  string
	}{
		{client.ListDevMessagesParams{Limit: ptr(0)}, "query.limit:out_of_range"},
		{client.ListDevMessagesParams{Limit: ptr(101)}, "query.limit:out_of_range"},
		{client.ListDevMessagesParams{Recipient: ptr("")}, "query.recipient:too_short"},
	} {
		res := listDevMessages(t, env, tc.params)
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
		if f := apitest.Fields(p); len(f) != 1 || f[0] != tc.field {
			t.Errorf("%+v: fields %v, want %s", tc.params, f, tc.field)
		}
	}
}

func TestDevMessagesDoNotExistInProduction(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Env = config.EnvProduction })
	apitest.Register(t, env, apitest.NewAccount())
	res := listDevMessages(t, env, client.ListDevMessagesParams{})
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusNotFound, "not_found")
	if res.JSON200 != nil || strings.Contains(string(res.Body), "Здравствуйте") || p.Detail == nil {
		t.Fatalf("production leaked messages: %s", res.Body)
	}
	// Bearer or not, it is the same 404.
	acc := apitest.NewAccount()
	tok := apitest.Register(t, env, acc).AccessToken
	res, err := env.Client.ListDevMessagesWithResponse(context.Background(), &client.ListDevMessagesParams{}, apitest.Bearer(tok))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusNotFound, "not_found")
}
