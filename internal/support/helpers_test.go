package support_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

var ctx = context.Background()

// open opens a ticket as the member with token and expects 201.
func open(t *testing.T, env *apitest.Env, token string, org uuid.UUID, subject string, category client.SupportTicketCategory) client.SupportTicket {
	t.Helper()
	res, err := env.Client.CreateSupportTicketWithResponse(ctx, client.SupportTicketCreate{
		OrganizationID: org, Subject: subject, Category: category, Body: "Здравствуйте!\nНе открывается вебинар.",
	}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("open ticket: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

// post adds a staff message as role of o and expects 201.
func post(t *testing.T, env *apitest.Env, o apitest.StaffOrg, role client.Role, ticket uuid.UUID, body string, internal bool) client.StaffSupportMessage {
	t.Helper()
	res, err := env.Client.PostSupportMessageWithResponse(ctx, o.ID, ticket, client.StaffSupportMessageCreate{Body: body, Internal: &internal}, o.As(role))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("post message: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

func staffTicket(t *testing.T, env *apitest.Env, o apitest.StaffOrg, ticket uuid.UUID) client.StaffSupportTicket {
	t.Helper()
	res, err := env.Client.GetSupportTicketWithResponse(ctx, o.ID, ticket, o.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("get ticket: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON200
}

func myTicket(t *testing.T, env *apitest.Env, token string, ticket uuid.UUID) client.SupportTicket {
	t.Helper()
	res, err := env.Client.GetMySupportTicketWithResponse(ctx, ticket, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("get my ticket: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON200
}

func myThread(t *testing.T, env *apitest.Env, token string, ticket uuid.UUID) []client.SupportMessage {
	t.Helper()
	res, err := env.Client.ListMySupportTicketMessagesWithResponse(ctx, ticket, &client.ListMySupportTicketMessagesParams{}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("my thread: %d %s", res.StatusCode(), res.Body)
	}
	return res.JSON200.Items
}

func unreadCount(t *testing.T, env *apitest.Env, token string) int {
	t.Helper()
	res, err := env.Client.CountMyUnreadSupportTicketsWithResponse(ctx, &client.CountMyUnreadSupportTicketsParams{}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("unread count: %d %s", res.StatusCode(), res.Body)
	}
	return res.JSON200.UnreadTickets
}

func setStatus(t *testing.T, env *apitest.Env, o apitest.StaffOrg, ticket uuid.UUID, status client.SupportTicketStatusUpdateStatus) *client.SetSupportTicketStatusResponse {
	t.Helper()
	res, err := env.Client.SetSupportTicketStatusWithResponse(ctx, o.ID, ticket, client.SupportTicketStatusUpdate{Status: status}, o.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func queue(t *testing.T, env *apitest.Env, o apitest.StaffOrg, params client.ListSupportQueueParams) client.StaffSupportTicketPage {
	t.Helper()
	res, err := env.Client.ListSupportQueueWithResponse(ctx, o.ID, &params, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("queue: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON200
}

func ids(p client.StaffSupportTicketPage) []uuid.UUID {
	var out []uuid.UUID
	for _, t := range p.Items {
		out = append(out, t.ID)
	}
	return out
}
