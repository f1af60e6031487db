package commerce_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/commerce"
	"github.com/kabinet-edu/kabinet/internal/payments/sandbox"
)

// shop is a server with an organization, its staff and a learner, and
// helpers for seats, orders and sandbox payments.
type shop struct {
	env *apitest.Env
	org apitest.StaffOrg
	sb  *sandbox.Provider
}

func newShop(t *testing.T) *shop {
	t.Helper()
	env := apitest.New(t)
	return &shop{env: env, org: apitest.NewStaffOrg(t, env, "shop-"+apitest.Itoa(apitest.Seq.Add(1))), sb: sandbox.New(env.Pool, "")}
}

// learner registers a learner of the organization.
func (s *shop) learner(t *testing.T) *client.AuthResponse {
	t.Helper()
	acc := apitest.Register(t, s.env, apitest.NewAccount())
	apitest.AddMember(t, s.env, s.org.ID, acc.User.ID, "learner")
	return acc
}

// seat makes a program priced price kopecks with a group starting in
// startIn days and lasting days days, and userID's approved application
// to it. Catalog and enrollment have no operations yet on this branch, so
// their rows are written directly.
func (s *shop) seat(t *testing.T, userID uuid.UUID, price int64, startIn, days int) (applicationID, programID uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	n := apitest.Itoa(apitest.Seq.Add(1))
	if err := s.env.Pool.QueryRow(ctx, `INSERT INTO programs (organization_id, slug, title, kind, completion_document, academic_hours, format, price_minor, status, published_at)
		VALUES ($1, $2, $3, 'course', 'certificate', 16, 'online', $4, 'published', now()) RETURNING id`,
		s.org.ID, "program-"+n, "Программа "+n, price).Scan(&programID); err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().AddDate(0, 0, startIn)
	var groupID uuid.UUID
	if err := s.env.Pool.QueryRow(ctx, `INSERT INTO study_groups (organization_id, program_id, code, starts_on, ends_on, status)
		VALUES ($1, $2, $3, $4, $5, 'enrolling') RETURNING id`,
		s.org.ID, programID, "G-"+n, start, start.AddDate(0, 0, days-1)).Scan(&groupID); err != nil {
		t.Fatal(err)
	}
	if err := s.env.Pool.QueryRow(ctx, `INSERT INTO applications (organization_id, program_id, group_id, user_id, status, last_name, first_name, waiting_since, submitted_at, decided_at)
		VALUES ($1, $2, $3, $4, 'approved', 'Иванова', 'Анна', now(), now(), now()) RETURNING id`,
		s.org.ID, programID, groupID, userID).Scan(&applicationID); err != nil {
		t.Fatal(err)
	}
	return applicationID, programID
}

// order places an order and requires 201.
func (s *shop) order(t *testing.T, token string, body client.OrderRequest) *client.Order {
	t.Helper()
	res, err := s.env.Client.CreateOrderWithResponse(context.Background(), &client.CreateOrderParams{IdempotencyKey: uuid.NewString()}, body, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("createOrder: %d %s", res.StatusCode(), res.Body)
	}
	return res.JSON201
}

// pay starts a payment of the order and requires 201.
func (s *shop) pay(t *testing.T, token string, orderID uuid.UUID, mode client.PaymentRequestMode) *client.Payment {
	t.Helper()
	res, err := s.env.Client.CreatePaymentWithResponse(context.Background(), orderID, &client.CreatePaymentParams{IdempotencyKey: uuid.NewString()},
		client.PaymentRequest{Mode: &mode}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("createPayment: %d %s", res.StatusCode(), res.Body)
	}
	return res.JSON201
}

// providerID is the sandbox's id of our payment.
func (s *shop) providerID(t *testing.T, paymentID uuid.UUID) string {
	t.Helper()
	var id string
	if err := s.env.Pool.QueryRow(context.Background(), `SELECT provider_payment_id FROM payments WHERE id = $1`, paymentID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// decide makes the sandbox decide the payment, as its page does, and
// returns the notification it would send.
func (s *shop) decide(t *testing.T, paymentID uuid.UUID, o sandbox.Outcome) []byte {
	t.Helper()
	d, err := s.sb.Decide(context.Background(), s.providerID(t, paymentID), o)
	if err != nil {
		t.Fatal(err)
	}
	return d.Body
}

// notify posts a notification to the webhook and returns the status and outcome.
func (s *shop) notify(t *testing.T, body []byte) (int, string) {
	t.Helper()
	res, err := s.env.Client.ReceivePaymentNotificationWithBodyWithResponse(context.Background(), "sandbox", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	if res.JSON200 == nil {
		return res.StatusCode(), ""
	}
	return http.StatusOK, string(res.JSON200.Outcome)
}

// getOrder reads the order as token's user.
func (s *shop) getOrder(t *testing.T, token string, id uuid.UUID) *client.Order {
	t.Helper()
	res, err := s.env.Client.GetMyOrderWithResponse(context.Background(), id, apitest.Bearer(token))
	if err != nil || res.JSON200 == nil {
		t.Fatalf("getMyOrder: %v %d %s", err, res.StatusCode(), res.Body)
	}
	return res.JSON200
}

// count runs a count query.
func (s *shop) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := s.env.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// reconciler is the background side over the test's database.
func (s *shop) reconciler(t *testing.T) *commerce.Handler {
	t.Helper()
	h, err := commerce.NewFromConfig(s.env.Config, s.env.Pool, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func bytesOf(b []byte) *bytes.Reader { return bytes.NewReader(b) }
