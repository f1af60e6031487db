package catalog

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

type apiFieldError = api.FieldError

// Image URLs: logos and public covers by slugs (what a page links to),
// staff covers by ids (drafts have no public page).
func logoURL(org db.Organization) *string {
	if org.LogoKey == nil {
		return nil
	}
	u := "/api/v1/catalog/organizations/" + org.Slug + "/logo"
	return &u
}

func staffCoverURL(orgID, programID uuid.UUID, key *string) *string {
	if key == nil {
		return nil
	}
	u := "/api/v1/organizations/" + orgID.String() + "/programs/" + programID.String() + "/cover"
	return &u
}

func publicCoverURL(orgSlug, programSlug string, key *string) *string {
	if key == nil {
		return nil
	}
	u := "/api/v1/catalog/organizations/" + orgSlug + "/programs/" + programSlug + "/cover"
	return &u
}

func dateOut(d pgtype.Date) *openapi_types.Date {
	if !d.Valid {
		return nil
	}
	return &openapi_types.Date{Time: d.Time}
}

func dateIn(d *openapi_types.Date) pgtype.Date {
	if d == nil {
		return pgtype.Date{}
	}
	return pgtype.Date{Time: d.Time, Valid: true}
}

func profileDTO(o db.Organization) api.OrganizationProfile {
	return api.OrganizationProfile{
		ID: o.ID, Slug: o.Slug, Name: o.Name, ShortName: o.ShortName, LogoURL: logoURL(o),
		DescriptionMd: o.DescriptionMd, DescriptionHTML: o.DescriptionHtml,
		ContactEmail: o.ContactEmail, ContactPhone: o.ContactPhone, Website: o.Website, Address: o.Address,
		Requisites: api.OrganizationRequisites{
			LegalName: o.LegalName, Inn: o.Inn, Kpp: o.Kpp, Ogrn: o.Ogrn, LegalAddress: o.LegalAddress,
			BankName: o.BankName, Bik: o.Bik, SettlementAccount: o.SettlementAccount, CorrespondentAccount: o.CorrespondentAccount,
		},
		Licence: api.OrganizationLicence{Number: o.LicenceNumber, Date: dateOut(o.LicenceDate), Issuer: o.LicenceIssuer},
		Version: o.Version, UpdatedAt: o.UpdatedAt.UTC(),
	}
}

func publicOrgDTO(o db.Organization) api.CatalogOrganization {
	return api.CatalogOrganization{
		ID: o.ID, Slug: o.Slug, Name: o.Name, ShortName: o.ShortName, LogoURL: logoURL(o),
		DescriptionHTML: o.DescriptionHtml, ContactEmail: o.ContactEmail, ContactPhone: o.ContactPhone,
		Website: o.Website, Address: o.Address, LegalName: o.LegalName, Inn: o.Inn, Ogrn: o.Ogrn,
		Licence: api.OrganizationLicence{Number: o.LicenceNumber, Date: dateOut(o.LicenceDate), Issuer: o.LicenceIssuer},
	}
}

func categoryDTO(c db.ProgramCategory) api.Category {
	return api.Category{
		ID: c.ID, ParentID: c.ParentID, Slug: c.Slug, Title: c.Title, Position: c.Position,
		Version: c.Version, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
}

func docKinds(ds []string) []api.DocumentKind {
	out := make([]api.DocumentKind, 0, len(ds))
	for _, d := range ds {
		out = append(out, api.DocumentKind(d))
	}
	return out
}

func teachersDTO(ts []db.ListProgramTeachersRow) []api.ProgramTeacher {
	out := make([]api.ProgramTeacher, 0, len(ts))
	for _, t := range ts {
		out = append(out, api.ProgramTeacher{UserID: t.UserID, FirstName: t.FirstName, LastName: t.LastName})
	}
	return out
}

func programDTO(p db.Program, teachers []db.ListProgramTeachersRow) api.Program {
	return api.Program{
		ID: p.ID, OrganizationID: p.OrganizationID, CategoryID: p.CategoryID, Slug: p.Slug, Title: p.Title,
		ShortDescription: p.ShortDescription, DescriptionMd: p.DescriptionMd, DescriptionHTML: p.DescriptionHtml,
		Kind: api.ProgramKind(p.Kind), CompletionDocument: api.CompletionDocument(p.CompletionDocument),
		AcademicHours: p.AcademicHours, Format: api.StudyFormat(p.Format), PriceMinor: p.PriceMinor, Currency: p.Currency,
		Tags: nonNil(p.Tags), RequiredDocuments: docKinds(p.RequiredDocuments), RequiresSnils: p.RequiresSnils,
		RequiresPriorEducation: p.RequiresPriorEducation, Teachers: teachersDTO(teachers),
		CoverURL: staffCoverURL(p.OrganizationID, p.ID, p.CoverKey), Status: api.ProgramStatus(p.Status),
		PublishedAt: web.UTCPtr(p.PublishedAt), NextStartOn: dateOut(p.NextStartOn), Version: p.Version,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
}

func summaryDTO(orgID uuid.UUID, p db.ListStaffProgramsRow) api.ProgramSummary {
	return api.ProgramSummary{
		ID: p.ID, CategoryID: p.CategoryID, Slug: p.Slug, Title: p.Title, Kind: api.ProgramKind(p.Kind),
		Format: api.StudyFormat(p.Format), Status: api.ProgramStatus(p.Status), AcademicHours: p.AcademicHours,
		PriceMinor: p.PriceMinor, Currency: p.Currency, CoverURL: staffCoverURL(orgID, p.ID, p.CoverKey),
		PublishedAt: web.UTCPtr(p.PublishedAt), NextStartOn: dateOut(p.NextStartOn), Version: p.Version,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
}

func groupDTO(g db.StudyGroup) api.Group {
	return api.Group{
		ID: g.ID, ProgramID: g.ProgramID, Code: g.Code, Title: g.Title,
		StartsOn: openapi_types.Date{Time: g.StartsOn.Time}, EndsOn: openapi_types.Date{Time: g.EndsOn.Time},
		Enrollment: api.EnrollmentWindow{OpensAt: web.UTCPtr(g.EnrollmentOpensAt), ClosesAt: web.UTCPtr(g.EnrollmentClosesAt)},
		Capacity:   g.Capacity, SeatsTaken: g.SeatsTaken, ScheduleNotes: g.ScheduleNotes, Status: api.GroupStatus(g.Status),
		Version: g.Version, CreatedAt: g.CreatedAt.UTC(), UpdatedAt: g.UpdatedAt.UTC(),
	}
}

// enrollmentOpen reports whether a group takes applications at now: it is
// enrolling, inside its window, with a seat left (the same conditions as
// TakeGroupSeat).
func enrollmentOpen(g db.StudyGroup, now time.Time) bool {
	return g.Status == db.GroupStatusEnrolling &&
		(g.EnrollmentOpensAt == nil || !now.Before(*g.EnrollmentOpensAt)) &&
		(g.EnrollmentClosesAt == nil || now.Before(*g.EnrollmentClosesAt)) &&
		(g.Capacity == 0 || g.SeatsTaken < g.Capacity)
}

func publicGroupDTO(g db.StudyGroup, now time.Time) api.CatalogGroup {
	var left *int32
	if g.Capacity > 0 {
		n := max(g.Capacity-g.SeatsTaken, 0)
		left = &n
	}
	return api.CatalogGroup{
		ID: g.ID, Code: g.Code, Title: g.Title,
		StartsOn: openapi_types.Date{Time: g.StartsOn.Time}, EndsOn: openapi_types.Date{Time: g.EndsOn.Time},
		Enrollment: api.EnrollmentWindow{OpensAt: web.UTCPtr(g.EnrollmentOpensAt), ClosesAt: web.UTCPtr(g.EnrollmentClosesAt)},
		Capacity:   g.Capacity, SeatsLeft: left, ScheduleNotes: g.ScheduleNotes, Status: api.GroupStatus(g.Status),
		EnrollmentOpen: enrollmentOpen(g, now),
	}
}

func historyDTO(r db.ListCatalogHistoryRow) (api.CatalogHistoryEntry, error) {
	e := api.CatalogHistoryEntry{
		ID: itoa64(r.ID), EntityType: api.CatalogHistoryEntryEntityType(r.EntityType), EntityID: r.EntityID,
		Action: api.CatalogHistoryEntryAction(r.Action), At: r.At.UTC(), Changes: map[string]api.FieldChange{},
	}
	if r.ActorID != nil {
		e.Actor = &api.CatalogActor{ID: *r.ActorID, FirstName: deref(r.ActorFirstName), LastName: deref(r.ActorLastName)}
	}
	if err := json.Unmarshal(r.Changes, &e.Changes); err != nil {
		return e, err
	}
	return e, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
