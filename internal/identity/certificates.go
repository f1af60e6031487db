package identity

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/certauth"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// CreateCertificateBindingChallenge gives the signed-in user a challenge to
// sign with the key of the certificate they want to bind.
func (s *Handler) CreateCertificateBindingChallenge(ctx context.Context, _ api.CreateCertificateBindingChallengeRequestObject) (api.CreateCertificateBindingChallengeResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.LimitAttempts(ctx, web.AttemptLimit{Rule: s.certRule("cert_challenge:user"), Subject: p.User.ID.String(), User: p.User.ID}); err != nil {
		return nil, err
	}
	c, err := s.issueChallenge(ctx, challengeBind, &p.User.ID)
	if err != nil {
		return nil, err
	}
	return api.CreateCertificateBindingChallenge201JSONResponse(c), nil
}

// BindCertificate binds a certificate to the caller's account once its
// private key has signed the caller's binding challenge.
func (s *Handler) BindCertificate(ctx context.Context, req api.BindCertificateRequestObject) (api.BindCertificateResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.RequireRecentAuth(ctx, p); err != nil {
		return nil, err
	}
	b := req.Body
	cert, sig, fields := s.readProof(b.CertificatePem, b.Signature)
	if len(fields) > 0 {
		return bind422(invalidInput(ctx, fields)), nil
	}
	message, problem, err := s.useChallenge(ctx, b.ChallengeID, challengeBind, &p.User.ID)
	if err != nil {
		return nil, err
	}
	if problem != nil {
		return bind422(*problem), nil
	}
	if cert.Verify(message, sig) != nil {
		return bind422(web.NewProblem(ctx, http.StatusUnprocessableEntity, codeInvalidSignature,
			"The signature does not prove possession of the certificate's private key; ask for a new challenge and sign it with that key.",
			web.FieldError("signature", codeInvalidSignature, certauth.ErrBadSignature.Error()))), nil
	}

	var (
		out     api.Certificate
		refusal *api.Problem // a 409, when refused
	)
	conflict := func(code, detail string) {
		problem := web.NewProblem(ctx, http.StatusConflict, code, detail, web.FieldError("certificatePem", code, detail))
		refusal = &problem
	}
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		refusal = nil
		if err := q.LockUserSignInMethods(ctx, p.User.ID); err != nil {
			return err
		}
		existing, err := q.GetCertificateByFingerprint(ctx, cert.Fingerprint[:])
		switch {
		case err == nil && existing.UserID == p.User.ID:
			conflict(codeCertificateBound, "This certificate is already bound to your account.")
			return nil
		case err == nil:
			conflict(codeCertificateBound, "This certificate is bound to another account; unbind it there first.")
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		n, err := q.CountUserCertificates(ctx, p.User.ID)
		if err != nil {
			return err
		}
		if n >= int64(s.Cfg.Certificates.MaxPerUser) {
			conflict(codeCertificateLimit, "The account already has the largest number of certificates allowed; unbind one first.")
			return nil
		}
		row, err := q.CreateUserCertificate(ctx, db.CreateUserCertificateParams{
			UserID: p.User.ID, Fingerprint: cert.Fingerprint[:], Subject: cert.Subject, Issuer: cert.Issuer,
			SerialNumber: cert.SerialNumber, KeyAlgorithm: cert.KeyAlgorithm,
			NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, Der: cert.DER,
		})
		if err != nil {
			return err
		}
		out = s.certificateDTO(row)
		if err := s.Record(ctx, q, audit.CertificateBound, p.User.ID, certificateDetails(row)); err != nil {
			return err
		}
		return s.outbox.Enqueue(ctx, tx, notify.Message{
			Channel: notify.Email, To: p.User.Email, Template: "certificate_bound", Locale: p.User.Locale,
			Data: certificateMailData(p.User, row),
		})
	})
	if _, ok := store.UniqueViolation(err); ok {
		// Somebody bound the same certificate at the same moment.
		conflict(codeCertificateBound, "This certificate is already bound to an account.")
		err = nil
	}
	if err != nil {
		return nil, err
	}
	if refusal != nil {
		return api.BindCertificate409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(*refusal)}, nil
	}
	return api.BindCertificate201JSONResponse(out), nil
}

func bind422(p api.Problem) api.BindCertificate422ApplicationProblemPlusJSONResponse {
	return api.BindCertificate422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(p)}
}

// ListMyCertificates lists the caller's certificates, flagging those that
// expire soon or have expired.
func (s *Handler) ListMyCertificates(ctx context.Context, _ api.ListMyCertificatesRequestObject) (api.ListMyCertificatesResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.Q.ListUserCertificates(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	list := api.CertificateList{Items: make([]api.Certificate, 0, len(rows))}
	for _, r := range rows {
		list.Items = append(list.Items, s.certificateDTO(r))
	}
	return api.ListMyCertificates200JSONResponse(list), nil
}

// UnbindCertificate removes one of the caller's certificates, unless it is
// the account's last way to sign in.
func (s *Handler) UnbindCertificate(ctx context.Context, req api.UnbindCertificateRequestObject) (api.UnbindCertificateResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.RequireRecentAuth(ctx, p); err != nil {
		return nil, err
	}
	var outcome string // a problem code when refused
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		outcome = ""
		if err := q.LockUserSignInMethods(ctx, p.User.ID); err != nil {
			return err
		}
		row, err := q.GetUserCertificate(ctx, db.GetUserCertificateParams{ID: req.CertificateID, UserID: p.User.ID})
		if errors.Is(err, pgx.ErrNoRows) {
			outcome = web.CodeNotFound
			return nil
		}
		if err != nil {
			return err
		}
		others, err := q.CountOtherSignInMethods(ctx, db.CountOtherSignInMethodsParams{UserID: p.User.ID, ExceptCertificateID: row.ID})
		if err != nil {
			return err
		}
		if others == 0 {
			outcome = web.CodeLastSignInMethod
			return nil
		}
		if _, err := q.DeleteUserCertificate(ctx, db.DeleteUserCertificateParams{ID: row.ID, UserID: p.User.ID}); err != nil {
			return err
		}
		if err := s.Record(ctx, q, audit.CertificateUnbound, p.User.ID, certificateDetails(row)); err != nil {
			return err
		}
		return s.outbox.Enqueue(ctx, tx, notify.Message{
			Channel: notify.Email, To: p.User.Email, Template: "certificate_unbound", Locale: p.User.Locale,
			Data: certificateMailData(p.User, row),
		})
	})
	if err != nil {
		return nil, err
	}
	switch outcome {
	case web.CodeNotFound:
		return api.UnbindCertificate404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such certificate."))}, nil
	case web.CodeLastSignInMethod:
		return api.UnbindCertificate409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusConflict, web.CodeLastSignInMethod,
				"This certificate is your only way to sign in: set a password or bind another valid certificate first."))}, nil
	}
	return api.UnbindCertificate204Response{}, nil
}

func (s *Handler) certificateDTO(r db.UserCertificate) api.Certificate {
	now := s.Now()
	expired := !now.Before(r.NotAfter)
	return api.Certificate{
		ID:           r.ID,
		Fingerprint:  hex.EncodeToString(r.Fingerprint),
		Subject:      r.Subject,
		Issuer:       r.Issuer,
		SerialNumber: r.SerialNumber,
		KeyAlgorithm: r.KeyAlgorithm,
		NotBefore:    r.NotBefore.UTC(),
		NotAfter:     r.NotAfter.UTC(),
		CreatedAt:    r.CreatedAt.UTC(),
		LastUsedAt:   web.UTCPtr(r.LastUsedAt),
		Expired:      expired,
		ExpiresSoon:  !expired && r.NotAfter.Sub(now) <= s.Cfg.Certificates.ExpiryWarning,
	}
}

func certificateDetails(r db.UserCertificate) map[string]any {
	return map[string]any{"certificateId": r.ID, "fingerprint": hex.EncodeToString(r.Fingerprint), "subject": r.Subject}
}

func certificateMailData(u db.User, r db.UserCertificate) map[string]any {
	return map[string]any{
		"FirstName":   u.FirstName,
		"Subject":     r.Subject,
		"Issuer":      r.Issuer,
		"Fingerprint": hex.EncodeToString(r.Fingerprint),
		"NotAfter":    r.NotAfter.UTC().Format("2006-01-02"),
	}
}

// expiryWarnings tell the profile about bound certificates that expire
// within the warning period or have expired (rows: soonest first).
func expiryWarnings(now time.Time, rows []expiringCertificate) []api.AccountWarning {
	out := make([]api.AccountWarning, 0, len(rows))
	for _, r := range rows {
		w := api.AccountWarning{Code: "certificate_expires_soon", CertificateID: &r.ID, ExpiresAt: ptr(r.NotAfter.UTC())}
		day := r.NotAfter.UTC().Format("2006-01-02")
		if now.Before(r.NotAfter) {
			w.Message = fmt.Sprintf("The certificate %q expires on %s; bind a new one or make sure you have another way to sign in.", r.Subject, day)
		} else {
			w.Code = "certificate_expired"
			w.Message = fmt.Sprintf("The certificate %q expired on %s and no longer signs in; unbind it and bind a new one.", r.Subject, day)
		}
		out = append(out, w)
	}
	return out
}
