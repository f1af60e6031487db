package web

import (
	"errors"

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
