package commerce

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/pdf"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// pdfDoc is a rendered document and its file name.
type pdfDoc struct {
	body []byte
	name string
}

func (d pdfDoc) disposition() *string {
	v := blob.ContentDisposition("attachment", d.name)
	return &v
}

// document renders the order's invoice or act (issuing the act's number
// the first time). Errors: errNoInvoice, *docProblem, store.ErrNotFound.
func (s *Handler) document(ctx context.Context, o db.Order, kind string) (pdfDoc, error) {
	payer, err := payerOf(ctx, s.Q, o.ID)
	if errors.Is(err, store.ErrNotFound) {
		return pdfDoc{}, errNoInvoice
	}
	if err != nil {
		return pdfDoc{}, err
	}
	doc, err := s.Q.GetOrderDocument(ctx, db.GetOrderDocumentParams{OrderID: o.ID, Kind: kind})
	if err = store.NotFound(err); errors.Is(err, store.ErrNotFound) && kind == docAct {
		doc, err = s.issueAct(ctx, o)
	}
	if err != nil {
		return pdfDoc{}, err
	}
	org, err := s.Q.GetOrganization(ctx, o.OrganizationID)
	if err != nil {
		return pdfDoc{}, err
	}
	lines, err := s.Q.ListOrderLines(ctx, o.ID)
	if err != nil {
		return pdfDoc{}, err
	}
	invoice, err := s.Q.GetOrderDocument(ctx, db.GetOrderDocumentParams{OrderID: o.ID, Kind: docInvoice})
	if err != nil {
		return pdfDoc{}, err
	}
	name := org.LegalName
	if name == "" {
		name = org.Name
	}
	seller := pdf.Party{
		Name: name, INN: org.Inn, KPP: org.Kpp, Address: org.LegalAddress, Phone: org.ContactPhone,
		Bank: org.BankName, BIK: org.Bik, Account: org.SettlementAccount, CorrAccount: org.CorrespondentAccount,
	}
	buyer := pdf.Party{
		Name: payer.Name, INN: payer.Inn, KPP: payer.Kpp, Address: payer.LegalAddress,
		Bank: payer.BankName, BIK: payer.Bik, Account: payer.SettlementAccount, CorrAccount: payer.CorrespondentAccount,
	}
	items := make([]pdf.Item, 0, len(lines))
	for _, l := range lines {
		items = append(items, pdf.Item{Name: "Образовательные услуги: " + l.Title, Quantity: 1, Price: l.Price - l.Discount})
	}
	vat := pdf.VAT{RatePercent: vatRate(s.Cfg.Payments.VATCode)}
	basis := fmt.Sprintf("Заказ %s", o.ID)
	var body []byte
	if kind == docInvoice {
		body, err = s.kit.Invoice(pdf.Invoice{
			Number: doc.Number, Date: doc.IssuedOn.Time, Seller: seller, Buyer: buyer, Basis: basis,
			Items: items, VAT: vat, Currency: o.Currency,
		})
	} else {
		body, err = s.kit.Act(pdf.Act{
			Number: doc.Number, Date: doc.IssuedOn.Time, Executor: seller, Customer: buyer,
			Basis: fmt.Sprintf("Счёт № %s от %s", invoice.Number, pdf.DateRU(invoice.IssuedOn.Time)),
			Items: items, VAT: vat, Currency: o.Currency, CustomerSignatory: payer.Signatory,
		})
	}
	if errors.Is(err, pdf.ErrInvalidDocument) {
		return pdfDoc{}, &docProblem{"organization_requisites_missing",
			"The organization has not filled in its legal name, ИНН and bank requisites yet; staff set them in the organization's requisites."}
	}
	if err != nil {
		return pdfDoc{}, err
	}
	return pdfDoc{body: body, name: fmtDoc(map[string]string{docInvoice: "schet", docAct: "akt"}[kind], doc.Number)}, nil
}

// issueAct numbers the act of an employer-paid order once it is paid in
// full and every group it pays for has ended, with the job that puts it
// into the learner's archive; concurrent first downloads issue one number
// (the order's row lock).
func (s *Handler) issueAct(ctx context.Context, o db.Order) (db.OrderDocument, error) {
	var doc db.OrderDocument
	err := store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		o, err := q.LockOrder(ctx, o.ID)
		if err != nil {
			return err
		}
		if doc, err = q.GetOrderDocument(ctx, db.GetOrderDocumentParams{OrderID: o.ID, Kind: docAct}); err == nil {
			return nil
		} else if !errors.Is(store.NotFound(err), store.ErrNotFound) {
			return err
		}
		if o.Status != db.OrderStatusPaid {
			return &docProblem{"act_not_ready", fmt.Sprintf("The order is %s: an act follows the payment in full.", o.Status)}
		}
		ended, err := q.OrderCourseEnded(ctx, db.OrderCourseEndedParams{OrderID: o.ID, Today: day(s.Now())})
		if err != nil {
			return err
		}
		if !ended.Bool {
			return &docProblem{"act_not_ready", "The course has not ended yet: an act follows the end of the group."}
		}
		if doc, err = s.issueDocument(ctx, q, o, docAct, o.Paid-o.Refunded, s.Now()); err != nil {
			return err
		}
		return s.queuePublish(ctx, tx, o.ID, docAct)
	})
	return doc, err
}

// docAnswer sorts a document's outcome into a PDF or a problem.
type docAnswer struct {
	doc      pdfDoc
	notFound *api.NotFoundApplicationProblemPlusJSONResponse
	conflict *api.ConflictApplicationProblemPlusJSONResponse
}

func (s *Handler) answerDocument(ctx context.Context, o db.Order, err error, kind string) (docAnswer, error) {
	if errors.Is(err, store.ErrNotFound) {
		return docAnswer{notFound: new(notFound(ctx, "There is no such order."))}, nil
	}
	if err != nil {
		return docAnswer{}, err
	}
	doc, err := s.document(ctx, o, kind)
	var dp *docProblem
	switch {
	case errors.Is(err, errNoInvoice):
		dp = &docProblem{"no_invoice", "The learner pays this order; it has no invoice or act."}
	case errors.As(err, &dp):
	case err != nil:
		return docAnswer{}, err
	default:
		return docAnswer{doc: doc}, nil
	}
	c := api.ConflictApplicationProblemPlusJSONResponse(web.NewProblem(ctx, http.StatusConflict, dp.code, dp.detail))
	return docAnswer{conflict: &c}, nil
}

// myOrder reads one of the caller's orders (store.ErrNotFound for anybody
// else's).
func (s *Handler) myOrder(ctx context.Context, orderID uuid.UUID) (db.Order, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return db.Order{}, err
	}
	o, err := s.Q.GetOrder(ctx, orderID)
	if err = store.NotFound(err); err == nil && o.UserID != p.User.ID {
		err = store.ErrNotFound
	}
	return o, err
}

// orgOrder reads an order of the organization for staff with one of roles.
func (s *Handler) orgOrder(ctx context.Context, orgID, orderID uuid.UUID, roles ...db.MemberRole) (db.Order, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return db.Order{}, err
	}
	if _, err := s.RequireRole(ctx, p, orgID, roles...); err != nil {
		return db.Order{}, err
	}
	o, err := s.Q.GetOrder(ctx, orderID)
	if err = store.NotFound(err); err == nil && o.OrganizationID != orgID {
		err = store.ErrNotFound
	}
	return o, err
}

// GetMyOrderInvoice serves the invoice of the caller's employer-paid order.
func (s *Handler) GetMyOrderInvoice(ctx context.Context, req api.GetMyOrderInvoiceRequestObject) (api.GetMyOrderInvoiceResponseObject, error) {
	o, err := s.myOrder(ctx, req.OrderID)
	a, err := s.answerDocument(ctx, o, err, docInvoice)
	switch {
	case err != nil:
		return nil, err
	case a.notFound != nil:
		return api.GetMyOrderInvoice404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: *a.notFound}, nil
	case a.conflict != nil:
		return api.GetMyOrderInvoice409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: *a.conflict}, nil
	}
	return api.GetMyOrderInvoice200ApplicationPdfResponse{Body: bytes.NewReader(a.doc.body), ContentLength: int64(len(a.doc.body)),
		Headers: api.GetMyOrderInvoice200ResponseHeaders{ContentDisposition: a.doc.disposition()}}, nil
}

// GetMyOrderAct serves the act of the caller's employer-paid order.
func (s *Handler) GetMyOrderAct(ctx context.Context, req api.GetMyOrderActRequestObject) (api.GetMyOrderActResponseObject, error) {
	o, err := s.myOrder(ctx, req.OrderID)
	a, err := s.answerDocument(ctx, o, err, docAct)
	switch {
	case err != nil:
		return nil, err
	case a.notFound != nil:
		return api.GetMyOrderAct404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: *a.notFound}, nil
	case a.conflict != nil:
		return api.GetMyOrderAct409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: *a.conflict}, nil
	}
	return api.GetMyOrderAct200ApplicationPdfResponse{Body: bytes.NewReader(a.doc.body), ContentLength: int64(len(a.doc.body)),
		Headers: api.GetMyOrderAct200ResponseHeaders{ContentDisposition: a.doc.disposition()}}, nil
}

// GetOrderInvoice serves an employer-paid order's invoice to staff.
func (s *Handler) GetOrderInvoice(ctx context.Context, req api.GetOrderInvoiceRequestObject) (api.GetOrderInvoiceResponseObject, error) {
	o, err := s.orgOrder(ctx, req.OrganizationID, req.OrderID, moneyViewers...)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	a, err := s.answerDocument(ctx, o, err, docInvoice)
	switch {
	case err != nil:
		return nil, err
	case a.notFound != nil:
		return api.GetOrderInvoice404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: *a.notFound}, nil
	case a.conflict != nil:
		return api.GetOrderInvoice409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: *a.conflict}, nil
	}
	return api.GetOrderInvoice200ApplicationPdfResponse{Body: bytes.NewReader(a.doc.body), ContentLength: int64(len(a.doc.body)),
		Headers: api.GetOrderInvoice200ResponseHeaders{ContentDisposition: a.doc.disposition()}}, nil
}

// GetOrderAct serves an employer-paid order's act to staff.
func (s *Handler) GetOrderAct(ctx context.Context, req api.GetOrderActRequestObject) (api.GetOrderActResponseObject, error) {
	o, err := s.orgOrder(ctx, req.OrganizationID, req.OrderID, moneyViewers...)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	a, err := s.answerDocument(ctx, o, err, docAct)
	switch {
	case err != nil:
		return nil, err
	case a.notFound != nil:
		return api.GetOrderAct404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: *a.notFound}, nil
	case a.conflict != nil:
		return api.GetOrderAct409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: *a.conflict}, nil
	}
	return api.GetOrderAct200ApplicationPdfResponse{Body: bytes.NewReader(a.doc.body), ContentLength: int64(len(a.doc.body)),
		Headers: api.GetOrderAct200ResponseHeaders{ContentDisposition: a.doc.disposition()}}, nil
}

// ListInvoices pages through the organization's invoices, newest first.
func (s *Handler) ListInvoices(ctx context.Context, req api.ListInvoicesRequestObject) (api.ListInvoicesResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, moneyViewers...); err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.ListInvoicesParams{OrganizationID: req.OrganizationID, MaxRows: int32(limit + 1)}
	if req.Params.Status != nil {
		params.Status = new(string(*req.Params.Status))
	}
	if req.Params.Cursor != nil {
		at, id, err := web.DecodeCursor(*req.Params.Cursor)
		if err != nil {
			return api.ListInvoices422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
		}
		params.AfterCreatedAt, params.AfterID = &at, &id
	}
	rows, err := s.Q.ListInvoices(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.InvoicePage{Items: []api.Invoice{}}
	if len(rows) > limit {
		rows = rows[:limit]
		next := web.EncodeCursor(rows[limit-1].CreatedAt, rows[limit-1].OrderID)
		page.NextCursor = &next
	}
	for _, r := range rows {
		page.Items = append(page.Items, api.Invoice{
			OrderID: r.OrderID, Number: r.Number, IssuedOn: apiDate(r.IssuedOn), Amount: r.Amount, Currency: r.Currency,
			Paid: r.Paid, Refunded: r.Refunded, Status: api.InvoiceStatus(r.InvoiceStatus), PayerName: r.PayerName,
			PayerInn: r.PayerInn, PayerKpp: r.PayerKpp, UserID: r.UserID, ActNumber: r.ActNumber, CreatedAt: r.CreatedAt.UTC(),
		})
	}
	return api.ListInvoices200JSONResponse(page), nil
}

// GetOrganizationOrder shows an order of the organization to staff.
func (s *Handler) GetOrganizationOrder(ctx context.Context, req api.GetOrganizationOrderRequestObject) (api.GetOrganizationOrderResponseObject, error) {
	o, err := s.orgOrder(ctx, req.OrganizationID, req.OrderID, moneyViewers...)
	if errors.Is(err, store.ErrNotFound) {
		return api.GetOrganizationOrder404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "There is no such order.")}, nil
	}
	if err != nil {
		return nil, err
	}
	dto, err := loadOrder(ctx, s.Q, o, s.Now())
	if err != nil {
		return nil, err
	}
	return api.GetOrganizationOrder200JSONResponse(dto), nil
}
