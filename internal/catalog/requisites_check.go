package catalog

import (
	"errors"
	"net/url"
	"strings"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/internal/contact"
	"github.com/kabinet-edu/kabinet/internal/requisites"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// checkRequisites normalizes the requisites (digits only) and checks each
// identifier's format and check digits, and the accounts against the БИК.
// Empty fields are "not given" and pass. Errors name the field under
// prefix ("requisites.inn").
func checkRequisites(prefix string, r api.OrganizationRequisites) (api.OrganizationRequisites, []api.FieldError) {
	var errs []api.FieldError
	check := func(field string, v *string, fn func(string) (string, error)) {
		*v = strings.TrimSpace(*v)
		if *v == "" {
			return
		}
		n, err := fn(*v)
		if err != nil {
			errs = append(errs, requisiteError(prefix+"."+field, err))
			return
		}
		*v = n
	}
	r.LegalName, r.LegalAddress, r.BankName = strings.TrimSpace(r.LegalName), strings.TrimSpace(r.LegalAddress), strings.TrimSpace(r.BankName)
	check("inn", &r.Inn, requisites.INN)
	check("kpp", &r.Kpp, requisites.KPP)
	check("ogrn", &r.Ogrn, func(s string) (string, error) {
		// An individual entrepreneur has an ОГРНИП (15 digits) instead.
		if d := strings.ReplaceAll(s, " ", ""); len(d) == 15 {
			return requisites.OGRNIP(s)
		}
		return requisites.OGRN(s)
	})
	check("bik", &r.Bik, requisites.BIK)
	bik := r.Bik
	check("settlementAccount", &r.SettlementAccount, func(s string) (string, error) { return requisites.SettlementAccount(s, bik) })
	check("correspondentAccount", &r.CorrespondentAccount, func(s string) (string, error) { return requisites.CorrespondentAccount(s, bik) })
	if r.Kpp != "" && len(r.Inn) == 12 {
		errs = append(errs, web.FieldError(prefix+".kpp", "not_applicable", "an individual entrepreneur (12-digit ИНН) has no КПП"))
	}
	return r, errs
}

func requisiteError(field string, err error) api.FieldError {
	var re *requisites.Error
	if errors.As(err, &re) {
		return web.FieldError(field, re.Code, re.Message)
	}
	return web.FieldError(field, "invalid_value", err.Error())
}

// checkContacts normalizes the contact e-mail and checks the website URL.
func checkContacts(email, website *string) []api.FieldError {
	var errs []api.FieldError
	if email != nil {
		if v := strings.TrimSpace(*email); v != "" {
			n, err := contact.NormalizeEmail(v)
			if err != nil {
				errs = append(errs, web.FieldError("contactEmail", "invalid_format", err.Error()))
			}
			*email = n
		} else {
			*email = ""
		}
	}
	if website != nil {
		*website = strings.TrimSpace(*website)
		if *website != "" {
			u, err := url.Parse(*website)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				errs = append(errs, web.FieldError("website", "invalid_format", "an http:// or https:// address"))
			}
		}
	}
	return errs
}
