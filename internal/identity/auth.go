package identity

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/contact"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Register creates a global account, makes it a learner of the default
// organization and signs it in.
func (s *Handler) Register(ctx context.Context, req api.RegisterRequestObject) (api.RegisterResponseObject, error) {
	b := req.Body
	in, fields := s.checkRegistration(b)
	fields, err := s.checkCaptcha(ctx, b.CaptchaToken, fields)
	if err != nil {
		return nil, err
	}
	if len(fields) > 0 {
		return api.Register422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.", fields...))}, nil
	}
	if taken, err := s.contactsTaken(ctx, in.Email, *in.Phone); err != nil || len(taken) > 0 {
		if err != nil {
			return nil, err
		}
		return registerConflict(ctx, taken...), nil
	}
	hash, err := s.Hasher.Hash(ctx, b.Password)
	if err != nil {
		return nil, err
	}
	in.PasswordHash = &hash

	var out api.AuthResponse
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		user, err := q.CreateUser(ctx, in)
		if err != nil {
			return err
		}
		org, err := q.GetDefaultOrganization(ctx)
		if err != nil {
			return err
		}
		if err := q.AddMembership(ctx, db.AddMembershipParams{OrganizationID: org.ID, UserID: user.ID, Role: db.MemberRoleLearner}); err != nil {
			return err
		}
		if err := s.outbox.Enqueue(ctx, tx, notify.Message{
			Channel: notify.Email, To: user.Email, Template: "welcome", Locale: user.Locale,
			Data: map[string]any{"FirstName": user.FirstName},
		}); err != nil {
			return err
		}
		if err := s.Record(ctx, q, audit.Registered, user.ID, nil); err != nil {
			return err
		}
		out, err = s.StartSession(ctx, q, user, false)
		return err
	})
	// A concurrent registration can take the e-mail or phone after the check.
	if constraint, ok := store.UniqueViolation(err); ok {
		field := "email"
		if strings.Contains(constraint, "phone") {
			field = "phone"
		}
		return registerConflict(ctx, field), nil
	}
	if err != nil {
		return nil, err
	}
	return api.Register201JSONResponse(out), nil
}

// checkRegistration normalizes the input and applies the rules the schema
// cannot express: e-mail and phone formats and the password policy.
func (s *Handler) checkRegistration(b *api.RegisterRequest) (db.CreateUserParams, []api.FieldError) {
	in := db.CreateUserParams{Locale: string(api.Ru)}
	if b.Locale != nil {
		in.Locale = string(*b.Locale)
	}
	var fields, errs []api.FieldError
	in.FirstName, errs = web.CheckName("firstName", b.FirstName)
	fields = append(fields, errs...)
	in.LastName, errs = web.CheckName("lastName", b.LastName)
	fields = append(fields, errs...)
	var err error
	if in.Email, err = contact.NormalizeEmail(string(b.Email)); err != nil {
		fields = append(fields, web.FieldError("email", "invalid_format", err.Error()))
	}
	phone, errs := s.CheckMobile("phone", b.Phone)
	in.Phone = &phone
	fields = append(fields, errs...)
	fields = append(fields, s.CheckNewPassword("password", b.Password, in.Email, phone)...)
	return in, fields
}

// contactsTaken names the fields whose value another account already uses.
func (s *Handler) contactsTaken(ctx context.Context, email, phone string) ([]string, error) {
	var taken []string
	for _, c := range []struct {
		field string
		get   func() (db.User, error)
	}{
		{"email", func() (db.User, error) { return s.Q.GetUserByEmail(ctx, email) }},
		{"phone", func() (db.User, error) { return s.Q.GetUserByPhone(ctx, phone) }},
	} {
		_, err := c.get()
		switch {
		case err == nil:
			taken = append(taken, c.field)
		case !errors.Is(err, pgx.ErrNoRows):
			return nil, err
		}
	}
	return taken, nil
}

func registerConflict(ctx context.Context, fields ...string) api.Register409ApplicationProblemPlusJSONResponse {
	var fe []api.FieldError
	for _, f := range fields {
		what := map[string]string{"email": "e-mail", "phone": "phone"}[f]
		fe = append(fe, web.FieldError(f, "taken", "An account with this "+what+" already exists."))
	}
	return api.Register409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
		web.NewProblem(ctx, http.StatusConflict, web.CodeAlreadyExists, "An account with this e-mail or phone already exists.", fe...))}
}

// Login signs in with an e-mail or phone and a password. Unknown accounts
// and wrong passwords get the same answer after the same amount of work.
func (s *Handler) Login(ctx context.Context, req api.LoginRequestObject) (api.LoginResponseObject, error) {
	b := req.Body
	user, err := s.findByLogin(ctx, b.Login)
	if lerr := s.LimitSignIn(ctx, b.Login, user, err); lerr != nil {
		return nil, lerr // 429: locked out (throttle.go)
	}
	if errors.Is(err, store.ErrNotFound) {
		if err := s.Hasher.VerifyDummy(ctx, b.Password); err != nil {
			return nil, err
		}
		return loginUnauthorized(ctx), nil
	}
	if err != nil {
		return nil, err
	}
	if user.PasswordHash == nil {
		// The account signs in only by other means (certificate, SSO).
		if err := s.Hasher.VerifyDummy(ctx, b.Password); err != nil {
			return nil, err
		}
		return loginUnauthorized(ctx), nil
	}
	ok, rehash, err := s.Hasher.Verify(ctx, b.Password, *user.PasswordHash)
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := s.Record(ctx, s.Q, audit.SignInFailed, user.ID, map[string]any{"reason": "wrong_password"}); err != nil {
			return nil, err
		}
		return loginUnauthorized(ctx), nil
	}
	s.SignInSucceeded(ctx, user.ID)
	if user.Status == db.UserStatusBlocked {
		return api.Login403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusForbidden, web.CodeAccountBlocked, "The account is blocked; contact the center's administrator."))}, nil
	}
	if p := s.initialPasswordRefusal(ctx, user); p != nil { // issued by bulk import: see initial_password.go
		return api.Login403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(*p)}, nil
	}
	if rehash {
		if hash, err := s.Hasher.Hash(ctx, b.Password); err == nil {
			if err := s.Q.UpgradeUserPasswordHash(ctx, db.UpgradeUserPasswordHashParams{ID: user.ID, OldHash: *user.PasswordHash, NewHash: hash}); err != nil {
				s.Log.WarnContext(ctx, "upgrade password hash", "err", err, "user_id", user.ID)
			}
		}
	}
	// With a second factor the password only earns a challenge (202).
	if res, challenged, err := s.secondFactorChallenge(ctx, user, b.RememberMe); challenged || err != nil {
		return res, err
	}
	var out api.AuthResponse
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		out, err = s.StartSession(ctx, q, user, b.RememberMe != nil && *b.RememberMe)
		if err != nil {
			return err
		}
		return s.Record(ctx, q, audit.SignIn, user.ID, map[string]any{"method": "password"})
	})
	if err != nil {
		return nil, err
	}
	return api.Login200JSONResponse(out), nil
}

func (s *Handler) findByLogin(ctx context.Context, login string) (db.User, error) {
	if contact.IsEmailLike(login) {
		email, err := contact.NormalizeEmail(login)
		if err != nil {
			return db.User{}, store.ErrNotFound
		}
		u, err := s.Q.GetUserByEmail(ctx, email)
		return u, store.NotFound(err)
	}
	phone, err := contact.NormalizePhone(login, s.Cfg.PhoneDefaultRegion)
	if err != nil {
		return db.User{}, store.ErrNotFound
	}
	u, err := s.Q.GetUserByPhone(ctx, phone)
	return u, store.NotFound(err)
}

func loginUnauthorized(ctx context.Context) api.Login401ApplicationProblemPlusJSONResponse {
	challenge := `Bearer realm="kabinet"`
	return api.Login401ApplicationProblemPlusJSONResponse{UnauthorizedApplicationProblemPlusJSONResponse: api.UnauthorizedApplicationProblemPlusJSONResponse{
		Body:    web.NewProblem(ctx, http.StatusUnauthorized, web.CodeInvalidCredentials, "The login or password is incorrect."),
		Headers: api.UnauthorizedResponseHeaders{WWWAuthenticate: &challenge},
	}}
}

// RefreshTokens rotates a refresh token. A token that was already used means
// it leaked (or the client replays it): the whole session is revoked.
func (s *Handler) RefreshTokens(ctx context.Context, req api.RefreshTokensRequestObject) (api.RefreshTokensResponseObject, error) {
	if out, ok, err := s.rotateFast(ctx, req.Body.RefreshToken); err != nil || ok {
		if err != nil {
			return nil, err
		}
		return api.RefreshTokens200JSONResponse(out), nil
	}
	var (
		out     api.AuthResponse
		outcome string // a problem code when the refresh is refused
	)
	err := store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		out, outcome = api.AuthResponse{}, ""
		rt, err := q.GetRefreshTokenForUpdate(ctx, auth.HashRefreshToken(req.Body.RefreshToken))
		if errors.Is(err, pgx.ErrNoRows) {
			outcome = web.CodeInvalidRefreshToken
			return nil
		}
		if err != nil {
			return err
		}
		now := s.Now()
		switch {
		case rt.SessionRevokedAt != nil:
			outcome = web.CodeSessionEnded
			return nil
		case rt.UsedAt != nil && now.Sub(*rt.UsedAt) < s.Cfg.Security.RefreshReuseGrace:
			// Most likely a concurrent refresh (two tabs), not theft: refuse
			// without ending the session (sessions.go).
			outcome = codeRefreshInProgress
			return nil
		case rt.UsedAt != nil:
			outcome = web.CodeRefreshTokenReused
			if _, err := q.RevokeSession(ctx, db.RevokeSessionParams{ID: rt.SessionID, Reason: ptr("refresh_token_reused")}); err != nil {
				return err
			}
			return s.Record(ctx, q, audit.RefreshTokenReused, rt.UserID, map[string]any{"sessionId": rt.SessionID})
		case !now.Before(rt.ExpiresAt) || !now.Before(rt.SessionExpiresAt):
			outcome = web.CodeSessionEnded
			return nil
		}
		if err := q.MarkRefreshTokenUsed(ctx, rt.TokenHash); err != nil {
			return err
		}
		user, err := q.GetUserByID(ctx, rt.UserID)
		if err != nil {
			return err
		}
		if user.Status == db.UserStatusBlocked {
			outcome = web.CodeAccountBlocked
			return nil
		}
		out, err = s.rotate(ctx, q, user, rt.SessionID, rt.RememberMe)
		return err
	})
	if err != nil {
		return nil, err
	}
	switch outcome {
	case "":
		return api.RefreshTokens200JSONResponse(out), nil
	case codeRefreshInProgress:
		return refreshInProgress(ctx), nil
	case web.CodeAccountBlocked:
		return api.RefreshTokens403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusForbidden, web.CodeAccountBlocked, "The account is blocked; contact the center's administrator."))}, nil
	}
	detail := map[string]string{
		web.CodeInvalidRefreshToken: "The refresh token is not valid; sign in again.",
		web.CodeSessionEnded:        "The session has ended; sign in again.",
		web.CodeRefreshTokenReused:  "The refresh token was already used, so the session was ended; sign in again.",
	}[outcome]
	return api.RefreshTokens401ApplicationProblemPlusJSONResponse{UnauthorizedApplicationProblemPlusJSONResponse: api.UnauthorizedApplicationProblemPlusJSONResponse{
		Body: web.NewProblem(ctx, http.StatusUnauthorized, outcome, detail),
	}}, nil
}

// Logout revokes the caller's session; its refresh and access tokens stop working.
func (s *Handler) Logout(ctx context.Context, _ api.LogoutRequestObject) (api.LogoutResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if _, err := q.RevokeSession(ctx, db.RevokeSessionParams{ID: p.SessionID, Reason: ptr("logout")}); err != nil {
			return err
		}
		return s.Record(ctx, q, audit.SignOut, p.User.ID, map[string]any{"sessionId": p.SessionID})
	})
	if err != nil {
		return nil, err
	}
	return api.Logout204Response{}, nil
}

// startSession opens a session for user and returns its first tokens.
func (s *Handler) StartSession(ctx context.Context, q *db.Queries, user db.User, remember bool) (api.AuthResponse, error) {
	m := web.MetaFrom(ctx)
	session, err := q.CreateSession(ctx, db.CreateSessionParams{
		UserID:     user.ID,
		RememberMe: remember,
		UserAgent:  m.UserAgent,
		Ip:         m.IP,
		ExpiresAt:  s.Now().Add(s.refreshTTL(remember)),
	})
	if err != nil {
		return api.AuthResponse{}, err
	}
	return s.issueTokens(ctx, q, user, session.ID, remember)
}

// rotate issues the next tokens of an existing session and slides its expiry.
func (s *Handler) rotate(ctx context.Context, q *db.Queries, user db.User, sessionID uuid.UUID, remember bool) (api.AuthResponse, error) {
	m := web.MetaFrom(ctx)
	if err := q.TouchSession(ctx, db.TouchSessionParams{
		ID: sessionID, UserAgent: m.UserAgent, Ip: m.IP, ExpiresAt: s.Now().Add(s.refreshTTL(remember)),
	}); err != nil {
		return api.AuthResponse{}, err
	}
	return s.issueTokens(ctx, q, user, sessionID, remember)
}

func (s *Handler) issueTokens(ctx context.Context, q *db.Queries, user db.User, sessionID uuid.UUID, remember bool) (api.AuthResponse, error) {
	refresh, hash := auth.NewRefreshToken()
	expires := s.Now().Add(s.refreshTTL(remember)).UTC().Truncate(time.Second)
	if err := q.CreateRefreshToken(ctx, db.CreateRefreshTokenParams{TokenHash: hash, SessionID: sessionID, ExpiresAt: expires}); err != nil {
		return api.AuthResponse{}, err
	}
	return s.tokens(user, sessionID, remember, refresh, expires)
}

// tokens is the answer of a sign-in or refresh: a new access token beside
// the refresh token just stored.
func (s *Handler) tokens(user db.User, sessionID uuid.UUID, remember bool, refresh string, expires time.Time) (api.AuthResponse, error) {
	access, err := s.Issuer.Issue(user.ID, sessionID)
	if err != nil {
		return api.AuthResponse{}, err
	}
	return api.AuthResponse{
		AccessToken:           access,
		TokenType:             api.Bearer,
		ExpiresIn:             int(s.Issuer.TTL().Seconds()),
		RefreshToken:          refresh,
		RefreshTokenExpiresAt: expires,
		RememberMe:            remember,
		User:                  userDTO(user),
	}, nil
}

func (s *Handler) refreshTTL(remember bool) time.Duration {
	if remember {
		return s.Cfg.RefreshRememberTTL
	}
	return s.Cfg.RefreshTTL
}

func userDTO(u db.User) api.User {
	return api.User{
		ID:            u.ID,
		FirstName:     u.FirstName,
		LastName:      u.LastName,
		Email:         u.Email,
		Phone:         u.Phone,
		EmailVerified: u.EmailVerifiedAt != nil,
		PhoneVerified: u.PhoneVerifiedAt != nil,
		Locale:        api.Locale(u.Locale),
		TimeZone:      u.TimeZone,
		CreatedAt:     u.CreatedAt.UTC(),
		PersonalData:  personalDataDTO(u),
	}
}

func ptr[T any](v T) *T { return &v }
