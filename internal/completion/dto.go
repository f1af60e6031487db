package completion

import (
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/progress"
	"github.com/kabinet-edu/kabinet/internal/web"
)

func (s *Handler) documentDTO(d db.IssuedDocument, orgName string) api.IssuedDocument {
	return api.IssuedDocument{
		ID: d.ID, OrganizationID: d.OrganizationID, OrganizationName: orgName, ProgramID: d.ProgramID,
		ProgramTitle: d.ProgramTitle, ProgramKind: api.ProgramKind(d.ProgramKind), GroupID: d.GroupID,
		ApplicationID: d.ApplicationID, UserID: d.UserID, Kind: api.CompletionDocument(d.Kind),
		RegistrationNumber: d.RegistrationNumber, Series: d.Series, Number: d.Number, IssuedAt: d.IssuedAt.UTC(),
		IssuedOn: openapi_types.Date{Time: d.IssuedOn.Time}, Hours: int(d.Hours),
		StudiedFrom: apiDate(d.StudiedFrom.Time, d.StudiedFrom.Valid), StudiedTo: apiDate(d.StudiedTo.Time, d.StudiedTo.Valid),
		Holder: api.DocumentHolder{LastName: d.LastName, FirstName: d.FirstName, Patronymic: d.Patronymic},
		Status: api.IssuedDocumentStatus(d.Status), RevokedAt: web.UTCPtr(d.RevokedAt), RevokeReason: d.RevokeReason,
		ReissueOf: d.ReissueOf, IssuedBy: d.IssuedBy, OverrideReason: d.OverrideReason, VerifyURL: s.iss.verifyURL(d.ID),
	}
}

func publicDTO(d db.IssuedDocument, orgName, orgSlug string) api.PublicIssuedDocument {
	return api.PublicIssuedDocument{
		ID: d.ID, Status: api.IssuedDocumentStatus(d.Status), Kind: api.CompletionDocument(d.Kind),
		RegistrationNumber: d.RegistrationNumber, OrganizationName: orgName, OrganizationSlug: orgSlug,
		ProgramTitle: d.ProgramTitle, Hours: int(d.Hours), IssuedOn: openapi_types.Date{Time: d.IssuedOn.Time},
		HolderName: maskName(d.LastName, d.FirstName, d.Patronymic), RevokedAt: web.UTCPtr(d.RevokedAt),
	}
}

func apiDate(t time.Time, ok bool) *openapi_types.Date {
	if !ok {
		return nil
	}
	return &openapi_types.Date{Time: t}
}

// missing lists the unmet requirements as field errors.
func missing(v progress.Verdict) []api.FieldError {
	var out []api.FieldError
	for _, id := range v.MissingMandatory {
		out = append(out, web.FieldError("lessons."+id, "not_completed", "a mandatory lesson is not completed"))
	}
	if v.FinalTestRequired && !v.FinalTestPassed {
		out = append(out, web.FieldError("finalTest", "not_passed", "the final test is not passed"))
	}
	if !v.PaidInFull {
		out = append(out, web.FieldError("payment", "not_paid", "the program is not paid in full"))
	}
	return out
}
