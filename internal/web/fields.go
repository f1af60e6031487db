package web

import (
	"errors"
	"strings"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/contact"
)

// The checks below are the rules a schema cannot express, shared by every
// operation that takes a person's names, a mobile phone or a new password.
// Each returns the field errors it found, to be reported together.

// checkName trims a required name; a blank one is an error of field.
func CheckName(field, v string) (string, []api.FieldError) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", []api.FieldError{FieldError(field, "required", "must not be blank")}
	}
	return v, nil
}

// checkMobile normalizes a mobile phone number to E.164; a number that is
// malformed or cannot receive SMS is an error of field.
func (s *Base) CheckMobile(field, raw string) (string, []api.FieldError) {
	phone, err := contact.NormalizeMobile(raw, s.Cfg.PhoneDefaultRegion)
	switch {
	case errors.Is(err, contact.ErrNotMobile):
		return "", []api.FieldError{FieldError(field, "not_mobile", err.Error())}
	case err != nil:
		return "", []api.FieldError{FieldError(field, "invalid_format", err.Error())}
	}
	return phone, nil
}

// checkNewPassword applies the password policy to a new password of the
// account with this e-mail and phone (either may be empty), which the
// password may not equal.
func (s *Base) CheckNewPassword(field, password, email, phone string) []api.FieldError {
	ids := []string{email}
	if phone != "" {
		ids = append(ids, phone, strings.TrimPrefix(phone, "+"))
	}
	var fields []api.FieldError
	for _, v := range auth.CheckPassword(s.Cfg.Password, password, ids...) {
		fields = append(fields, FieldError(field, v.Code, v.Message))
	}
	return fields
}
