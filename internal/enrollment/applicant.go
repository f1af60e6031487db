package enrollment

import (
	"strings"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// applicantParams checks an applicant's data beyond its schema (СНИЛС check
// number, OKSM code, names) and turns it into the update's parameters.
func applicantParams(b api.ApplicantUpdate) (db.UpdateApplicationDataParams, []api.FieldError) {
	var fields []api.FieldError
	last, errs := web.CheckName("lastName", b.LastName)
	fields = append(fields, errs...)
	first, errs := web.CheckName("firstName", b.FirstName)
	fields = append(fields, errs...)
	in := db.UpdateApplicationDataParams{LastName: last, FirstName: first, BirthDate: dateParam(b.BirthDate)}
	if b.BirthDate != nil {
		fields = append(fields, web.CheckBirthDate("birthDate", b.BirthDate.Time)...)
	}
	if b.Patronymic != nil {
		v, errs := web.CheckName("patronymic", *b.Patronymic)
		fields = append(fields, errs...)
		in.Patronymic = &v
	}
	if b.Sex != nil {
		in.Sex = ptr(string(*b.Sex))
	}
	var errs2 []api.FieldError
	in.Citizenship, in.Snils, errs2 = web.CheckPersonalIDs("", b.Citizenship, b.Snils)
	fields = append(fields, errs2...)
	if pe := b.PriorEducation; pe != nil {
		if pe.Level != nil {
			in.EducationLevel = ptr(string(*pe.Level))
		}
		in.DiplomaSeries, in.DiplomaNumber, in.DiplomaSurname = trimmed(pe.DiplomaSeries), trimmed(pe.DiplomaNumber), trimmed(pe.DiplomaSurname)
	}
	return in, fields
}

func trimmed(s *string) *string {
	if s == nil {
		return nil
	}
	v := strings.TrimSpace(*s)
	if v == "" {
		return nil
	}
	return &v
}
