package enrollment

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// view is the whole application as its applicant (staff false: without
// internal notes) or the organization's staff see it.
func (s *Handler) view(ctx context.Context, q *db.Queries, a db.Application, staff bool) (api.Application, error) {
	c, err := q.ApplicationContext(ctx, db.ApplicationContextParams{ProgramID: a.ProgramID, GroupID: a.GroupID})
	if err != nil {
		return api.Application{}, err
	}
	docs, err := q.ListApplicationDocuments(ctx, a.ID)
	if err != nil {
		return api.Application{}, err
	}
	events, err := q.ListApplicationEvents(ctx, db.ListApplicationEventsParams{ApplicationID: a.ID, WithInternal: staff})
	if err != nil {
		return api.Application{}, err
	}
	out := api.Application{
		ID: a.ID, Status: api.ApplicationStatus(a.Status),
		OrganizationID: a.OrganizationID, OrganizationName: c.OrganizationName,
		ProgramID: a.ProgramID, ProgramTitle: c.ProgramTitle, ProgramKind: api.ApplicationProgramKind(c.ProgramKind),
		GroupID: a.GroupID, GroupCode: c.GroupCode,
		GroupStartsOn: openapi_types.Date{Time: c.StartsOn.Time}, GroupEndsOn: openapi_types.Date{Time: c.EndsOn.Time},
		RequiresSnils: c.RequiresSnils, RequiresPriorEducation: c.RequiresPriorEducation, AutoApprove: c.AutoApprove,
		Applicant:            applicantDTO(a),
		Documents:            make([]api.ChecklistItem, 0, len(c.RequiredDocuments)),
		CurrentPolicyVersion: s.Cfg.Enrollment.PDPolicyVersion,
		SubmittedAt:          web.UTCPtr(a.SubmittedAt), WaitingSince: web.UTCPtr(a.WaitingSince), DecidedAt: web.UTCPtr(a.DecidedAt),
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
		Events: make([]api.ApplicationEvent, 0, len(events)),
	}
	for _, kind := range c.RequiredDocuments {
		item := api.ChecklistItem{Kind: api.DocumentKind(kind)}
		for _, d := range docs {
			if d.Kind == kind {
				item.Document = ptr(documentDTO(d))
			}
		}
		out.Documents = append(out.Documents, item)
	}
	if a.ConsentPolicyVersion != nil && a.ConsentAt != nil {
		out.Consent = &api.ApplicationConsent{PolicyVersion: *a.ConsentPolicyVersion, At: a.ConsentAt.UTC()}
	}
	if a.Status == db.ApplicationStatusWaitlisted && a.WaitlistedAt != nil {
		n, err := q.WaitlistPosition(ctx, db.WaitlistPositionParams{GroupID: a.GroupID, WaitlistedAt: *a.WaitlistedAt, ID: a.ID})
		if err != nil {
			return api.Application{}, err
		}
		out.WaitlistPosition = ptr(int(n))
	}
	for _, e := range events {
		ev := api.ApplicationEvent{
			ID: e.ID, Event: api.ApplicationEventEvent(e.Event), ActorID: e.ActorID, Reason: e.Reason,
			Internal: e.Internal, At: e.CreatedAt.UTC(),
		}
		if e.ActorFirstName != nil && e.ActorLastName != nil {
			ev.ActorName = ptr(strings.TrimSpace(*e.ActorFirstName + " " + *e.ActorLastName))
		}
		if e.FromStatus.Valid {
			ev.FromStatus = ptr(string(e.FromStatus.ApplicationStatus))
		}
		if e.ToStatus.Valid {
			ev.ToStatus = ptr(string(e.ToStatus.ApplicationStatus))
		}
		out.Events = append(out.Events, ev)
	}
	return out, nil
}

func applicantDTO(a db.Application) api.Applicant {
	out := api.Applicant{
		UserID: a.UserID, LastName: a.LastName, FirstName: a.FirstName, Patronymic: a.Patronymic,
		BirthDate: dateDTO(a.BirthDate), Citizenship: a.Citizenship, Snils: a.Snils,
		PriorEducation: api.PriorEducation{
			DiplomaSeries: a.DiplomaSeries, DiplomaNumber: a.DiplomaNumber, DiplomaSurname: a.DiplomaSurname,
		},
	}
	if a.Sex != nil {
		out.Sex = a.Sex
	}
	if a.EducationLevel != nil {
		out.PriorEducation.Level = a.EducationLevel
	}
	return out
}

func documentDTO(d db.ApplicationDocument) api.ApplicationDocument {
	return api.ApplicationDocument{
		ID: d.ID, Kind: api.DocumentKind(d.Kind), FileName: d.FileName,
		ContentType: api.ApplicationDocumentContentType(d.ContentType), SizeBytes: d.SizeBytes, Sha256: d.Sha256,
		UploadedAt: d.CreatedAt.UTC(),
	}
}

// summaryDTO is a list's line of an application.
func summaryDTO(a db.Application, programTitle, groupCode, orgName string) api.ApplicationSummary {
	return api.ApplicationSummary{
		ID: a.ID, Status: api.ApplicationStatus(a.Status), OrganizationID: a.OrganizationID, OrganizationName: orgName,
		ProgramID: a.ProgramID, ProgramTitle: programTitle, GroupID: a.GroupID, GroupCode: groupCode,
		ApplicantID: a.UserID, ApplicantName: fullName(a),
		SubmittedAt: web.UTCPtr(a.SubmittedAt), WaitingSince: web.UTCPtr(a.WaitingSince), DecidedAt: web.UTCPtr(a.DecidedAt),
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
	}
}

func fullName(a db.Application) string {
	parts := []string{a.LastName, a.FirstName}
	if a.Patronymic != nil {
		parts = append(parts, *a.Patronymic)
	}
	return strings.Join(parts, " ")
}

func dateDTO(d pgtype.Date) *openapi_types.Date {
	if !d.Valid {
		return nil
	}
	return &openapi_types.Date{Time: d.Time}
}

func dateParam(d *openapi_types.Date) pgtype.Date {
	if d == nil {
		return pgtype.Date{}
	}
	return pgtype.Date{Time: d.Time, Valid: true}
}

func ptr[T any](v T) *T { return &v }
