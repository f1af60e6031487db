package identity

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// personalDataDTO is the personal data state-format documents need, as the
// profile shows it to its owner (enrollment applications are prefilled
// from it; organizations see only those applications' copies).
func personalDataDTO(u db.User) *api.PersonalData {
	out := &api.PersonalData{Patronymic: u.Patronymic, Citizenship: u.Citizenship, Snils: u.Snils}
	if u.BirthDate.Valid {
		out.BirthDate = &openapi_types.Date{Time: u.BirthDate.Time}
	}
	if u.Sex != nil {
		out.Sex = u.Sex
	}
	return out
}

// personalDataParams checks a replacement of the personal data (names,
// the OKSM code, the СНИЛС check number) under the field "personalData".
func personalDataParams(userID uuid.UUID, b api.PersonalDataUpdate) (*db.SetPersonalDataParams, []api.FieldError) {
	in := &db.SetPersonalDataParams{ID: userID}
	var fields []api.FieldError
	if b.Patronymic != nil {
		v, errs := web.CheckName("personalData.patronymic", *b.Patronymic)
		fields = append(fields, errs...)
		in.Patronymic = &v
	}
	if b.BirthDate != nil {
		in.BirthDate = pgtype.Date{Time: b.BirthDate.Time, Valid: true}
		fields = append(fields, web.CheckBirthDate("personalData.birthDate", b.BirthDate.Time)...)
	}
	if b.Sex != nil {
		in.Sex = ptr(string(*b.Sex))
	}
	var errs []api.FieldError
	in.Citizenship, in.Snils, errs = web.CheckPersonalIDs("personalData.", b.Citizenship, b.Snils)
	return in, append(fields, errs...)
}
