package web

// Stable problem codes shared across domains. The problem "type" is derived
// from the code, so both stay stable across releases; clients should branch
// on code. A code used by one domain only is declared in that domain.
const (
	CodeMalformedRequest     = "malformed_request"
	CodeValidationFailed     = "validation_failed"
	CodeAuthRequired         = "authentication_required"
	CodeInvalidToken         = "invalid_token"
	CodeTokenExpired         = "token_expired"
	CodeSessionEnded         = "session_ended"
	CodeInvalidCredentials   = "invalid_credentials"
	CodeInvalidRefreshToken  = "invalid_refresh_token"
	CodeRefreshTokenReused   = "refresh_token_reused"
	CodeAccountBlocked       = "account_blocked"
	CodeForbidden            = "forbidden"
	CodeNotFound             = "not_found"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeAlreadyExists        = "already_exists"
	CodePayloadTooLarge      = "payload_too_large"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeRateLimited          = "rate_limited"
	CodeInternal             = "internal"
	CodeUnavailable          = "unavailable"
	// A sign-in challenge (certificate, second factor) unknown, used or expired.
	CodeInvalidChallenge = "invalid_challenge"
	CodeChallengeExpired = "challenge_expired"
	// Removing a certificate or SSO identity would leave no way to sign in.
	CodeLastSignInMethod = "last_sign_in_method"
	// A sensitive change needs a recent proof of identity (RequireRecentAuth).
	CodeReauthRequired = "reauthentication_required"
	// The organization blocked the caller's membership.
	CodeMembershipBlocked = "membership_blocked"
	// The organization requires a second factor of its staff.
	CodeSecondFactorEnrollmentRequired = "second_factor_enrollment_required"
	// The account has no second factor to use, disable or reset.
	CodeSecondFactorNotEnabled = "second_factor_not_enabled"
	// The change would leave an organization without an active admin.
	CodeLastAdmin = "last_admin"
	// Initial passwords issued by a bulk import.
	CodePasswordChangeRequired    = "password_change_required"
	CodeInitialPasswordExpired    = "initial_password_expired"
	CodePasswordChangeNotRequired = "password_change_not_required"
)
