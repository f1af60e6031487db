package completion

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/frdo"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// codeFRDOInvalid: documents of the period lack what the register needs.
const codeFRDOInvalid = "frdo_invalid"

// ExportCompletionDocumentsFrdo writes the period's valid удостоверения and
// дипломы as the ФИС ФРДО template's XLSX.
func (s *Handler) ExportCompletionDocumentsFrdo(ctx context.Context, req api.ExportCompletionDocumentsFrdoRequestObject) (api.ExportCompletionDocumentsFrdoResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, issuers...); err != nil {
		return nil, err
	}
	from, to := req.Params.From.Time, req.Params.To.Time
	switch {
	case to.Before(from):
		return nil, &web.Error{Problem: web.Invalid(ctx, web.FieldError("query.to", "invalid_value", "is before from"))}
	case to.Sub(from) > 366*24*time.Hour:
		return nil, &web.Error{Problem: web.Invalid(ctx, web.FieldError("query.to", "invalid_value", "is more than 366 days after from"))}
	}
	docs, err := s.Q.CompletionDocumentsIssuedBetween(ctx, db.CompletionDocumentsIssuedBetweenParams{
		OrganizationID: req.OrganizationID, FromDate: pgtype.Date{Time: from, Valid: true}, ToDate: pgtype.Date{Time: to.AddDate(0, 0, 1), Valid: true},
	})
	if err != nil {
		return nil, err
	}
	var rows []frdo.Row
	var numbers []string
	for _, d := range docs {
		if d.Status != db.IssuedDocumentStatusValid || d.Kind == db.CompletionDocumentCertificate {
			continue
		}
		rows = append(rows, frdoRow(d))
		numbers = append(numbers, d.RegistrationNumber)
	}
	var buf bytes.Buffer
	err = frdo.Write(&buf, rows)
	var re frdo.RowErrors
	if errors.As(err, &re) {
		fields := make([]api.FieldError, 0, len(re))
		for _, e := range re {
			fields = append(fields, web.FieldError(fmt.Sprintf("rows.%d.%s", e.Row, e.Column), "invalid_value",
				fmt.Sprintf("%s (document %s)", e.Msg, numbers[e.Row-1])))
		}
		return nil, web.Fail(ctx, http.StatusUnprocessableEntity, codeFRDOInvalid,
			"Some documents lack what ФИС ФРДО requires; complete the applications' data and reissue them.", fields...)
	}
	if err != nil {
		return nil, err
	}
	actor := p.User.ID
	if err := s.RecordIn(ctx, s.Q, auditExported, req.OrganizationID, nil, &actor, map[string]any{
		"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "rows": len(rows),
	}); err != nil {
		return nil, err
	}
	name := blob.ContentDisposition("attachment", fmt.Sprintf("ФРДО %s — %s.xlsx", from.Format(time.DateOnly), to.Format(time.DateOnly)))
	return api.ExportCompletionDocumentsFrdo200ApplicationVndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{
		Body: &buf, ContentLength: int64(buf.Len()),
		Headers: api.ExportCompletionDocumentsFrdo200ResponseHeaders{ContentDisposition: &name},
	}, nil
}

// frdoRow maps a document's snapshot onto the template's row.
func frdoRow(d db.IssuedDocument) frdo.Row {
	r := frdo.Row{
		DocumentType: frdo.Certificate, ProgramType: frdo.Advanced, Status: frdo.Original,
		Series: d.Series, Number: d.Number, IssuedOn: d.IssuedOn.Time, RegistrationNumber: d.RegistrationNumber,
		ProgramName: d.ProgramTitle, Hours: int(d.Hours),
		PriorSeries: deref(d.DiplomaSeries), PriorNumber: deref(d.DiplomaNumber), PriorSurname: deref(d.DiplomaSurname),
		Surname: d.LastName, Name: d.FirstName, Patronymic: deref(d.Patronymic), BirthDate: d.BirthDate.Time,
		SNILS: deref(d.Snils), Citizenship: deref(d.Citizenship),
	}
	if d.Kind == db.CompletionDocumentDiploma {
		r.DocumentType, r.ProgramType = frdo.Diploma, frdo.Retraining
	}
	if d.StudiedFrom.Valid {
		r.StartYear = d.StudiedFrom.Time.Year()
	}
	if d.StudiedTo.Valid {
		r.EndYear = d.StudiedTo.Time.Year()
	}
	switch deref(d.EducationLevel) {
	case "higher":
		r.PriorLevel = frdo.Higher
	case "secondary_vocational":
		r.PriorLevel = frdo.Vocational
	}
	switch deref(d.Sex) {
	case "male":
		r.Sex = frdo.Male
	case "female":
		r.Sex = frdo.Female
	}
	return r
}
