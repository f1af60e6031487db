package commerce

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/docnumber"
	"github.com/kabinet-edu/kabinet/internal/requisites"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// Document kinds of an order (order_documents.kind, docnumber kinds).
const (
	docInvoice = "invoice"
	docAct     = "act"
)

// bankProvider names bank transfers among payments' providers.
const bankProvider = "bank_transfer"

// payerParams checks an employer's requisites: a refusal names the field
// (employer.inn, …) with the requisites package's code.
func payerParams(e *api.Employer) (db.InsertOrderPayerParams, error) {
	out := db.InsertOrderPayerParams{Name: strings.TrimSpace(e.Name)}
	if out.Name == "" {
		return out, refuse("employer.name", "required", "The employer's name is required.")
	}
	check := func(field string, f func(string) (string, error), v string, dst *string) error {
		got, err := f(v)
		var re *requisites.Error
		if errors.As(err, &re) {
			return refuse("employer."+field, re.Code, re.Message)
		}
		*dst = got
		return err
	}
	if err := check("inn", requisites.LegalINN, e.Inn, &out.Inn); err != nil {
		return out, err
	}
	if err := check("kpp", requisites.KPP, e.Kpp, &out.Kpp); err != nil {
		return out, err
	}
	bik, acc, corr := deref(e.Bik, ""), deref(e.SettlementAccount, ""), deref(e.CorrespondentAccount, "")
	if bik != "" || acc != "" || corr != "" {
		if err := check("bik", requisites.BIK, bik, &out.Bik); err != nil {
			return out, err
		}
		if acc != "" {
			if err := check("settlementAccount", func(s string) (string, error) { return requisites.SettlementAccount(s, out.Bik) }, acc, &out.SettlementAccount); err != nil {
				return out, err
			}
		}
		if corr != "" {
			if err := check("correspondentAccount", func(s string) (string, error) { return requisites.CorrespondentAccount(s, out.Bik) }, corr, &out.CorrespondentAccount); err != nil {
				return out, err
			}
		}
	}
	out.LegalAddress = strings.TrimSpace(deref(e.LegalAddress, ""))
	out.BankName = strings.TrimSpace(deref(e.BankName, ""))
	out.Email = strings.TrimSpace(deref(e.Email, ""))
	out.Signatory = strings.TrimSpace(deref(e.Signatory, ""))
	return out, nil
}

// issueDocument numbers one of the order's documents in q's transaction
// (the organization's sequence for kind) and stores it.
func (s *Handler) issueDocument(ctx context.Context, q *db.Queries, o db.Order, kind string, amount int64, now time.Time) (db.OrderDocument, error) {
	pattern, err := docnumber.ParsePattern(s.Cfg.Payments.InvoiceNumberPattern, "")
	if err != nil {
		return db.OrderDocument{}, err
	}
	n, err := docnumber.Next(ctx, q, o.OrganizationID, kind, pattern, now, "")
	if err != nil {
		return db.OrderDocument{}, err
	}
	return q.InsertOrderDocument(ctx, db.InsertOrderDocumentParams{
		OrderID: o.ID, Kind: kind, OrganizationID: o.OrganizationID, Number: n.Text, IssuedOn: day(now), Amount: amount,
	})
}

// placeEmployer records the employer of a new order and issues its
// invoice, with the job that puts it into the learner's archive.
func (s *Handler) placeEmployer(ctx context.Context, q *db.Queries, tx pgx.Tx, o db.Order, payer db.InsertOrderPayerParams) error {
	payer.OrderID = o.ID
	if err := q.InsertOrderPayer(ctx, payer); err != nil {
		return err
	}
	if _, err := s.issueDocument(ctx, q, o, docInvoice, o.Total, s.Now()); err != nil {
		return err
	}
	return s.queuePublish(ctx, tx, o.ID, docInvoice)
}

func employerDTO(p db.OrderPayer) *api.Employer {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return &api.Employer{
		Name: p.Name, Inn: p.Inn, Kpp: p.Kpp, LegalAddress: opt(p.LegalAddress), BankName: opt(p.BankName),
		Bik: opt(p.Bik), SettlementAccount: opt(p.SettlementAccount), CorrespondentAccount: opt(p.CorrespondentAccount),
		Email: opt(p.Email), Signatory: opt(p.Signatory),
	}
}

// payerOf returns the order's employer, or store.ErrNotFound when the
// learner pays.
func payerOf(ctx context.Context, q *db.Queries, orderID uuid.UUID) (db.OrderPayer, error) {
	p, err := q.GetOrderPayer(ctx, orderID)
	return p, store.NotFound(err)
}

// errNoInvoice: the order is paid by the learner, not an employer.
var errNoInvoice = errors.New("no invoice")

// docProblem is why a document cannot be given: a 409 with its code.
type docProblem struct{ code, detail string }

func (d *docProblem) Error() string { return d.code }

func vatRate(code int) int64 {
	switch code {
	case 3, 5:
		return 10
	case 4, 6:
		return 20
	case 7, 9:
		return 5
	case 8, 10:
		return 7
	case 11, 12:
		return 22
	}
	return 0
}

func fmtDoc(kind, number string) string { return fmt.Sprintf("%s-%s.pdf", kind, number) }
