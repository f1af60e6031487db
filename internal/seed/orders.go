package seed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/docnumber"
	"github.com/kabinet-edu/kabinet/internal/payments"
	"github.com/kabinet-edu/kabinet/internal/pricing"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// demoOrder is one learner's demo order: of the program slug's enrolling
// group, in the state kind names.
type demoOrder struct {
	email, slug, kind string
}

// The demo orders: paid in full, in installments (the first part paid),
// awaiting payment, paid by an employer against an invoice (unpaid yet),
// and canceled.
var demoOrders = []demoOrder{
	{"applicant1@demo.kabinet.test", "pedagogicheskaya-deyatelnost-fgos", "paid"},
	{"applicant2@demo.kabinet.test", "pedagogicheskaya-deyatelnost-fgos", "installments"},
	{"applicant3@demo.kabinet.test", "klassnyy-rukovoditel", "awaiting"},
	{"learner@demo.kabinet.test", "klassnyy-rukovoditel", "employer"},
	{"applicant4@demo.kabinet.test", "pedagogicheskaya-deyatelnost-fgos", "canceled"},
}

// DemoOrders loads orders in several states into the demo organization
// (run it after DemoApplications): each learner of demoOrders gets an
// approved application and an order, written the way internal/commerce
// writes them (lines, schedule, payments, history). Idempotent: a learner
// who already has an order is left alone.
func DemoOrders(ctx context.Context, pool *pgxpool.Pool) error {
	return store.InTx(ctx, pool, func(q *db.Queries) error {
		org, err := q.GetOrganizationBySlug(ctx, DemoOrgSlug)
		if err != nil {
			return fmt.Errorf("demo organization (run seed.Demo first): %w", err)
		}
		plan, err := demoPlan(ctx, q, org.ID)
		if err != nil {
			return err
		}
		for _, d := range demoOrders {
			if err := demoOrderOf(ctx, q, org.ID, plan, d); err != nil {
				return fmt.Errorf("demo order of %s: %w", d.email, err)
			}
		}
		return nil
	})
}

// demoPlan is the demo organization's installment plan, made once.
func demoPlan(ctx context.Context, q *db.Queries, orgID uuid.UUID) (db.InstallmentPlan, error) {
	plans, err := q.ListInstallmentPlans(ctx, db.ListInstallmentPlansParams{OrganizationID: orgID, ActiveOnly: true, MaxRows: 1})
	if err != nil || len(plans) > 0 {
		if len(plans) > 0 {
			return plans[0], nil
		}
		return db.InstallmentPlan{}, err
	}
	return q.CreateInstallmentPlan(ctx, db.CreateInstallmentPlanParams{
		OrganizationID: orgID, Name: "Рассрочка на 3 месяца", Parts: 3, FirstSharePercent: 40, IntervalMonths: 1, GraceDays: 5, MinOrderAmount: 300000,
	})
}

func demoOrderOf(ctx context.Context, q *db.Queries, orgID uuid.UUID, plan db.InstallmentPlan, d demoOrder) error {
	u, err := q.GetUserByEmail(ctx, d.email)
	if err != nil {
		return err
	}
	if n, err := q.CountUserOrders(ctx, u.ID); err != nil || n > 0 {
		return err
	}
	var ep enrollProgram
	for _, p := range enrollPrograms {
		if p.slug == d.slug {
			ep = p
		}
	}
	g, err := demoGroup(ctx, q, orgID, ep)
	if err != nil {
		return err
	}
	if err := demoApplication(ctx, q, u, g, []db.ApplicationStatus{db.ApplicationStatusSubmitted, db.ApplicationStatusApproved}, "", 72*time.Hour); err != nil {
		return err
	}
	appID, err := q.ApprovedApplicationOf(ctx, db.ApprovedApplicationOfParams{UserID: u.ID, GroupID: g.ID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // applied to the group before in another way: no order
	}
	if err != nil {
		return err
	}
	prog, err := q.GetProgramBySlug(ctx, db.GetProgramBySlugParams{OrganizationID: orgID, Slug: d.slug})
	if err != nil || prog.PriceMinor <= 0 {
		return err
	}
	price := prog.PriceMinor
	params := db.CreateOrderParams{OrganizationID: orgID, UserID: u.ID, Currency: prog.Currency, Subtotal: price, Total: price, Status: db.OrderStatusAwaitingPayment}
	if d.kind == "installments" {
		params.InstallmentPlanID = &plan.ID
	}
	o, err := q.CreateOrder(ctx, params)
	if err != nil {
		return err
	}
	if err := q.InsertOrderLine(ctx, db.InsertOrderLineParams{OrderID: o.ID, LineNo: 1, ApplicationID: appID, ProgramID: prog.ID, GroupID: &g.ID, Title: prog.Title, Price: price}); err != nil {
		return err
	}
	if err := demoEvent(ctx, q, o.ID, &u.ID, "created", nil, o.Status, 0, "learner"); err != nil {
		return err
	}
	now := time.Now().UTC()
	switch d.kind {
	case "paid":
		return demoPaid(ctx, q, o, u, "full", nil, price, prog.Title)
	case "installments":
		parts, err := pricing.Schedule(price, pricing.Plan{Parts: int(plan.Parts), FirstSharePercent: int(plan.FirstSharePercent),
			IntervalMonths: int(plan.IntervalMonths), GraceDays: int(plan.GraceDays), MinOrderAmount: plan.MinOrderAmount}, now)
		if err != nil {
			return err
		}
		for _, p := range parts {
			if err := q.InsertOrderInstallment(ctx, db.InsertOrderInstallmentParams{OrderID: o.ID, Number: int32(p.Number), Amount: p.Amount,
				DueOn: pgtype.Date{Time: p.Due, Valid: true}, GraceEnds: pgtype.Date{Time: p.GraceEnds, Valid: true}}); err != nil {
				return err
			}
		}
		return demoPaid(ctx, q, o, u, "installment", []int32{1}, parts[0].Amount, fmt.Sprintf("%s: платёж 1 из %d", prog.Title, len(parts)))
	case "employer":
		if err := q.InsertOrderPayer(ctx, db.InsertOrderPayerParams{OrderID: o.ID, Name: "ООО «Ромашка» (демо)", Inn: "7728168971", Kpp: "772801001",
			LegalAddress: "119034, г. Москва, ул. Пречистенка, д. 1", BankName: "АО «Альфа-Банк»", Bik: "044525593",
			SettlementAccount: "40702810638000000000", CorrespondentAccount: "30101810200000000593", Signatory: "Петров П. П."}); err != nil {
			return err
		}
		// KABINET_INVOICE_NUMBER_PATTERN's default.
		pattern, err := docnumber.ParsePattern("{year}-{seq:05}", "")
		if err != nil {
			return err
		}
		n, err := docnumber.Next(ctx, q, orgID, "invoice", pattern, now, "")
		if err != nil {
			return err
		}
		_, err = q.InsertOrderDocument(ctx, db.InsertOrderDocumentParams{OrderID: o.ID, Kind: "invoice", OrganizationID: orgID, Number: n.Text,
			IssuedOn: pgtype.Date{Time: now.Truncate(24 * time.Hour), Valid: true}, Amount: price})
		return err
	case "canceled":
		if _, err := q.SetOrderStatus(ctx, db.SetOrderStatusParams{ID: o.ID, Status: db.OrderStatusCanceled}); err != nil {
			return err
		}
		return demoEvent(ctx, q, o.ID, &u.ID, "canceled", &o.Status, db.OrderStatusCanceled, 0, "learner")
	}
	return nil
}

// demoPaid records a succeeded sandbox payment of amount (ours and the
// sandbox's) with its receipt and credits it to the order.
func demoPaid(ctx context.Context, q *db.Queries, o db.Order, u db.User, purpose string, parts []int32, amount int64, what string) error {
	mode := payments.FullPrepayment
	if len(parts) > 0 {
		mode = payments.PartialPrepayment
	} else {
		parts = []int32{}
	}
	receipt, err := json.Marshal(payments.Receipt{Customer: payments.Customer{Email: u.Email}, Items: []payments.ReceiptItem{{
		Description: what, Quantity: 1, Amount: payments.Amount{Value: amount, Currency: o.Currency},
		VATCode: payments.VATNone, PaymentMode: mode, PaymentSubject: payments.SubjectService,
	}}})
	if err != nil {
		return err
	}
	pay, err := q.CreatePayment(ctx, db.CreatePaymentParams{OrderID: o.ID, UserID: u.ID, Provider: "sandbox", Purpose: purpose,
		Installments: parts, Amount: amount, Currency: o.Currency, Receipt: receipt})
	if err != nil {
		return err
	}
	// The sandbox's side of it, so that staff can refund it in the demo.
	md, err := json.Marshal(map[string]string{payments.MetadataOrderID: o.ID.String(), "payment_id": pay.ID.String()})
	if err != nil {
		return err
	}
	sb, err := q.InsertSandboxPayment(ctx, db.InsertSandboxPaymentParams{IdempotenceKey: pay.ID.String(), Amount: amount, Currency: o.Currency,
		Description: "Заказ " + o.ID.String(), ReturnUrl: "http://localhost:5173/orders/" + o.ID.String(), Metadata: md, Receipt: receipt})
	if err != nil {
		return err
	}
	if _, err := q.SetSandboxPaymentStatus(ctx, db.SetSandboxPaymentStatusParams{ID: sb.ID, Status: "succeeded"}); err != nil {
		return err
	}
	ref := sb.ID.String()
	if _, err := q.SetPaymentProvided(ctx, db.SetPaymentProvidedParams{ID: pay.ID, ProviderPaymentID: &ref}); err != nil {
		return err
	}
	if pay, err = q.SetPaymentStatus(ctx, db.SetPaymentStatusParams{ID: pay.ID, Status: db.PaymentStatusSucceeded}); err != nil {
		return err
	}
	if len(parts) > 0 {
		if _, err := q.MarkInstallmentsPaid(ctx, db.MarkInstallmentsPaidParams{OrderID: o.ID, Numbers: parts, PaidAt: pay.SucceededAt, PaymentID: &pay.ID}); err != nil {
			return err
		}
	}
	next := db.OrderStatusPaid
	if amount < o.Total {
		next = db.OrderStatusInProgress
	}
	if _, err := q.AddOrderPaid(ctx, db.AddOrderPaidParams{ID: o.ID, Amount: amount, Status: next}); err != nil {
		return err
	}
	return demoEvent(ctx, q, o.ID, nil, "payment_succeeded", &o.Status, next, amount, "notification")
}

func demoEvent(ctx context.Context, q *db.Queries, orderID uuid.UUID, actor *uuid.UUID, event string, from *db.OrderStatus, to db.OrderStatus, amount int64, cause string) error {
	p := db.InsertOrderEventParams{OrderID: orderID, ActorID: actor, Event: event, Cause: cause, Details: []byte("{}"),
		ToStatus: db.NullOrderStatus{OrderStatus: to, Valid: true}}
	if from != nil {
		p.FromStatus = db.NullOrderStatus{OrderStatus: *from, Valid: true}
	}
	if amount > 0 {
		p.Amount = pgtype.Int8{Int64: amount, Valid: true}
	}
	return q.InsertOrderEvent(ctx, p)
}
