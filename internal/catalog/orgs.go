package catalog

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/contact"
	"github.com/kabinet-edu/kabinet/internal/organizations"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// CreateOrganization creates an organization for a platform operator and
// appoints its first admin.
func (s *Handler) CreateOrganization(ctx context.Context, req api.CreateOrganizationRequestObject) (api.CreateOrganizationResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Operator {
		return nil, errors.New("createOrganization reached without an operator")
	}
	b := req.Body
	var fields []api.FieldError
	name, errs := web.CheckName("name", b.Name)
	fields = append(fields, errs...)
	email, err := contact.NormalizeEmail(string(b.Admin.Email))
	if err != nil {
		fields = append(fields, web.FieldError("admin.email", "invalid_format", err.Error()))
	}
	if len(fields) > 0 {
		return nil, invalid(ctx, fields...)
	}
	locale := ""
	if b.Admin.Locale != nil {
		locale = string(*b.Admin.Locale)
	}
	var (
		org     db.Organization
		inv     db.Invitation
		granted bool
	)
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		var err error
		org, err = q.CreateOrganization(ctx, db.CreateOrganizationParams{Slug: b.Slug, Name: name, ShortName: strings.TrimSpace(deref(b.ShortName))})
		if err != nil {
			return err
		}
		inv, granted, err = s.appoint.AppointFirstAdmin(ctx, q, tx, org, organizations.FirstAdmin{
			Email: email, FirstName: deref(b.Admin.FirstName), LastName: deref(b.Admin.LastName), Locale: locale,
		})
		return err
	})
	if c, ok := store.UniqueViolation(err); ok && strings.Contains(c, "slug") {
		return nil, web.Fail(ctx, http.StatusConflict, web.CodeAlreadyExists, "An organization with this slug exists.",
			web.FieldError("slug", "taken", "is taken"))
	}
	if err != nil {
		return nil, err
	}
	out := api.OperatorOrganizationCreated{Organization: profileDTO(org)}
	out.Admin.Email = email
	out.Admin.InvitationID = inv.ID
	out.Admin.Status = api.Invited
	if granted {
		out.Admin.Status, out.Admin.UserID = api.Granted, inv.AcceptedUserID
	} else {
		t := inv.ExpiresAt.UTC()
		out.Admin.ExpiresAt = &t
	}
	return api.CreateOrganization201JSONResponse(out), nil
}

// GetOrganizationProfile shows the organization's card to its staff.
func (s *Handler) GetOrganizationProfile(ctx context.Context, req api.GetOrganizationProfileRequestObject) (api.GetOrganizationProfileResponseObject, error) {
	if _, err := s.staffCaller(ctx, req.OrganizationID, web.StaffRoles...); err != nil {
		return nil, err
	}
	org, err := s.Q.GetOrganization(ctx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	tag := versionTag(org.Version)
	if notModified(req.Params.IfNoneMatch, tag) {
		return api.GetOrganizationProfile304Response{Headers: api.GetOrganizationProfile304ResponseHeaders{ETag: tag, CacheControl: privateCache}}, nil
	}
	return api.GetOrganizationProfile200JSONResponse{Body: profileDTO(org),
		Headers: api.GetOrganizationProfile200ResponseHeaders{ETag: tag, CacheControl: privateCache}}, nil
}

// UpdateOrganizationProfile changes the card (admins): profile, requisites
// and licence, checked, in one versioned update.
func (s *Handler) UpdateOrganizationProfile(ctx context.Context, req api.UpdateOrganizationProfileRequestObject) (api.UpdateOrganizationProfileResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, admins...)
	if err != nil {
		return nil, err
	}
	org, err := s.Q.GetOrganization(ctx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	version, err := requireIfMatch(ctx, req.Params.IfMatch, org.Version)
	if err != nil {
		return nil, err
	}
	b := req.Body
	in := db.UpdateOrganizationCardParams{
		ID: org.ID, Version: version, Name: org.Name, ShortName: org.ShortName, DescriptionMd: org.DescriptionMd,
		DescriptionHtml: org.DescriptionHtml, ContactEmail: org.ContactEmail, ContactPhone: org.ContactPhone,
		Website: org.Website, Address: org.Address, LegalName: org.LegalName, Inn: org.Inn, Kpp: org.Kpp, Ogrn: org.Ogrn,
		LegalAddress: org.LegalAddress, BankName: org.BankName, Bik: org.Bik, SettlementAccount: org.SettlementAccount,
		CorrespondentAccount: org.CorrespondentAccount, LicenceNumber: org.LicenceNumber, LicenceDate: org.LicenceDate,
		LicenceIssuer: org.LicenceIssuer,
	}
	var fields []api.FieldError
	if b.Name != nil {
		var errs []api.FieldError
		in.Name, errs = web.CheckName("name", *b.Name)
		fields = append(fields, errs...)
	}
	setTrimmed(&in.ShortName, b.ShortName)
	setTrimmed(&in.ContactPhone, b.ContactPhone)
	setTrimmed(&in.Address, b.Address)
	if b.ContactEmail != nil {
		in.ContactEmail = *b.ContactEmail
	}
	if b.Website != nil {
		in.Website = *b.Website
	}
	fields = append(fields, checkContacts(&in.ContactEmail, &in.Website)...)
	if b.DescriptionMd != nil {
		in.DescriptionMd = *b.DescriptionMd
		if in.DescriptionHtml, err = s.md.Render(in.DescriptionMd); err != nil {
			return nil, err
		}
	}
	if b.Requisites != nil {
		r, errs := checkRequisites("requisites", *b.Requisites)
		fields = append(fields, errs...)
		in.LegalName, in.Inn, in.Kpp, in.Ogrn, in.LegalAddress = r.LegalName, r.Inn, r.Kpp, r.Ogrn, r.LegalAddress
		in.BankName, in.Bik, in.SettlementAccount, in.CorrespondentAccount = r.BankName, r.Bik, r.SettlementAccount, r.CorrespondentAccount
	}
	if l := b.Licence; l != nil {
		in.LicenceNumber, in.LicenceIssuer, in.LicenceDate = strings.TrimSpace(l.Number), strings.TrimSpace(l.Issuer), dateIn(l.Date)
	}
	if len(fields) > 0 {
		return nil, invalid(ctx, fields...)
	}
	var out db.Organization
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.SetCatalogActor(ctx, p.User.ID); err != nil {
			return err
		}
		out, err = q.UpdateOrganizationCard(ctx, in)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, s.staleOrganization(ctx, org.ID)
	}
	if err != nil {
		return nil, err
	}
	return api.UpdateOrganizationProfile200JSONResponse{Body: profileDTO(out),
		Headers: api.UpdateOrganizationProfile200ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// staleOrganization is the 412 of a versioned update that found no row.
func (s *Handler) staleOrganization(ctx context.Context, id openapi_types.UUID) error {
	org, err := s.Q.GetOrganization(ctx, id)
	if err != nil {
		return store.NotFound(err)
	}
	return stale(ctx, org.Version)
}

func setTrimmed(dst *string, v *string) {
	if v != nil {
		*dst = strings.TrimSpace(*v)
	}
}
