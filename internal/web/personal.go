package web

import (
	"errors"
	"time"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/internal/requisites"
)

// CheckPersonalIDs normalizes a citizenship (OKSM code, or alpha-2/3) and a
// СНИЛС (11 digits, check number verified), naming the fields under prefix
// ("" or e.g. "personalData.") when they are wrong. The
// profile and enrollment applications use it.
func CheckPersonalIDs(prefix string, citizenship, snils *string) (*string, *string, []api.FieldError) {
	var fields []api.FieldError
	var c, n *string
	if citizenship != nil {
		country, err := requisites.Citizenship(*citizenship)
		if err != nil {
			fields = append(fields, FieldError(prefix+"citizenship", requisitesCode(err), err.Error()))
		} else {
			code := country.Code
			c = &code
		}
	}
	if snils != nil {
		d, err := requisites.SNILS(*snils)
		if err != nil {
			fields = append(fields, FieldError(prefix+"snils", requisitesCode(err), err.Error()))
		} else {
			n = &d
		}
	}
	return c, n, fields
}

func requisitesCode(err error) string {
	var re *requisites.Error
	if errors.As(err, &re) {
		return re.Code
	}
	return "invalid_value"
}

// CheckBirthDate refuses a date of birth before 1900 or in the future.
func CheckBirthDate(field string, d time.Time) []api.FieldError {
	if d.Year() < 1900 || d.After(time.Now()) {
		return []api.FieldError{FieldError(field, "invalid_value", "must be between 1900-01-01 and today")}
	}
	return nil
}
