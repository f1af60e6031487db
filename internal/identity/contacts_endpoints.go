package identity

import (
	"context"
	"net/http"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/internal/contact"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ChangeEmail sends a code to the new e-mail; confirmEmail completes the change.
func (s *Handler) ChangeEmail(ctx context.Context, req api.ChangeEmailRequestObject) (api.ChangeEmailResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.RequireRecentAuth(ctx, p); err != nil {
		return nil, err
	}
	email, err := contact.NormalizeEmail(string(req.Body.Email))
	if err != nil {
		return api.ChangeEmail422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.",
				web.FieldError("email", "invalid_format", err.Error())))}, nil
	}
	ch, err := s.startContactChange(ctx, p, emailContact, email)
	if err != nil {
		return nil, err
	}
	return api.ChangeEmail202JSONResponse(ch), nil
}

// SendEmailCode (re)sends an e-mail confirmation code.
func (s *Handler) SendEmailCode(ctx context.Context, _ api.SendEmailCodeRequestObject) (api.SendEmailCodeResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := s.resendContactCode(ctx, p, emailContact)
	if err != nil {
		return nil, err
	}
	return api.SendEmailCode202JSONResponse(ch), nil
}

// ConfirmEmail confirms the e-mail (current or new) the code was sent to.
func (s *Handler) ConfirmEmail(ctx context.Context, req api.ConfirmEmailRequestObject) (api.ConfirmEmailResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.confirmContactCode(ctx, p, emailContact, req.Body.Code)
	if err != nil {
		return nil, err
	}
	return api.ConfirmEmail200JSONResponse(userDTO(u)), nil
}

// ChangePhone sends an SMS code to the new phone; confirmPhone completes the change.
func (s *Handler) ChangePhone(ctx context.Context, req api.ChangePhoneRequestObject) (api.ChangePhoneResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.RequireRecentAuth(ctx, p); err != nil {
		return nil, err
	}
	phone, fields := s.CheckMobile("phone", req.Body.Phone)
	if len(fields) > 0 {
		return api.ChangePhone422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.", fields...))}, nil
	}
	ch, err := s.startContactChange(ctx, p, phoneContact, phone)
	if err != nil {
		return nil, err
	}
	return api.ChangePhone202JSONResponse(ch), nil
}

// SendPhoneCode (re)sends a phone confirmation code by SMS.
func (s *Handler) SendPhoneCode(ctx context.Context, _ api.SendPhoneCodeRequestObject) (api.SendPhoneCodeResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := s.resendContactCode(ctx, p, phoneContact)
	if err != nil {
		return nil, err
	}
	return api.SendPhoneCode202JSONResponse(ch), nil
}

// ConfirmPhone confirms the phone (current or new) the SMS code was sent to.
func (s *Handler) ConfirmPhone(ctx context.Context, req api.ConfirmPhoneRequestObject) (api.ConfirmPhoneResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.confirmContactCode(ctx, p, phoneContact, req.Body.Code)
	if err != nil {
		return nil, err
	}
	return api.ConfirmPhone200JSONResponse(userDTO(u)), nil
}
