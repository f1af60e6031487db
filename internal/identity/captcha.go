package identity

import (
	"context"
	"errors"
	"net/http"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/internal/captcha"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// codeCaptchaUnavailable answers a registration whose captcha could not be
// checked. It is a 503, not a 502: the client cannot tell our provider from
// us, and what it should do is what a 503 says, try again later.
const codeCaptchaUnavailable = "captcha_unavailable"

// newCaptcha returns the configured captcha verifier, or nil when captchas
// are off.
func newCaptcha(cfg config.Config) *captcha.Verifier {
	if cfg.CaptchaVerifyURL == "" {
		return nil
	}
	return captcha.New(cfg.CaptchaVerifyURL, cfg.CaptchaSecret, nil)
}

// checkCaptcha adds to fields what is wrong with the captcha token when
// captchas are on. The provider is asked only when the other fields are
// valid, so a token is not spent on a form the user must correct anyway.
// An unreachable provider is returned as a 503 problem error.
func (s *Handler) checkCaptcha(ctx context.Context, token *string, fields []api.FieldError) ([]api.FieldError, error) {
	if s.captcha == nil {
		return fields, nil
	}
	if token == nil || *token == "" {
		return append(fields, web.FieldError("captchaToken", "required", "is required: solve the captcha")), nil
	}
	if len(fields) > 0 {
		return fields, nil
	}
	remoteIP := ""
	if ip := web.MetaFrom(ctx).IP; ip != nil {
		remoteIP = ip.String()
	}
	err := s.captcha.Verify(ctx, *token, remoteIP)
	switch {
	case err == nil:
		return nil, nil
	case errors.Is(err, captcha.ErrRejected):
		return []api.FieldError{web.FieldError("captchaToken", "captcha_failed", "was not accepted: solve the captcha again")}, nil
	}
	s.Log.ErrorContext(ctx, "captcha verification failed", "err", err, "request_id", web.RequestID(ctx))
	return nil, &web.Error{Problem: web.NewProblem(ctx, http.StatusServiceUnavailable, codeCaptchaUnavailable,
		"The captcha could not be checked right now; try again in a minute.")}
}
