package identity

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/ratelimit"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

var (
	// An export reads every row about the user: a few an hour is plenty.
	exportRule = ratelimit.Rule{Name: "export:user", Max: 5, Period: time.Hour}
	// Closing checks the password: bound the guesses a stolen token allows.
	closeRule = ratelimit.Rule{Name: "close:user", Max: 5, Period: 15 * time.Minute}
)

// exportMaxMemberships bounds the memberships read for an export; nobody
// belongs to that many organizations.
const exportMaxMemberships = 100_000

// ExportMyData returns everything kept about the caller as one JSON
// attachment, read from one snapshot of the database.
func (s *Handler) ExportMyData(ctx context.Context, _ api.ExportMyDataRequestObject) (api.ExportMyDataResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.LimitAttempts(ctx, web.AttemptLimit{Rule: exportRule, Subject: p.User.ID.String(), User: p.User.ID}); err != nil {
		return nil, err
	}
	var out api.DataExport
	err = pgx.BeginTxFunc(ctx, s.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		out, err = s.collectExport(ctx, db.New(tx), p.User.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	disposition := `attachment; filename="kabinet-export-` + p.User.ID.String() + `.json"`
	return api.ExportMyData200JSONResponse{Body: out, Headers: api.ExportMyData200ResponseHeaders{ContentDisposition: &disposition}}, nil
}

func (s *Handler) collectExport(ctx context.Context, q *db.Queries, userID openapi_types.UUID) (api.DataExport, error) {
	u, err := q.GetUserByID(ctx, userID)
	if err != nil {
		return api.DataExport{}, err
	}
	prefs, err := s.preferencesOf(ctx, q, userID)
	if err != nil {
		return api.DataExport{}, err
	}
	memberships, err := q.ListUserMemberships(ctx, db.ListUserMembershipsParams{UserID: userID, MaxRows: exportMaxMemberships})
	if err != nil {
		return api.DataExport{}, err
	}
	sessions, err := q.ListSessionsForExport(ctx, userID)
	if err != nil {
		return api.DataExport{}, err
	}
	events, err := q.ListAuditEventsForExport(ctx, &userID)
	if err != nil {
		return api.DataExport{}, err
	}
	certificates, err := q.ListUserCertificates(ctx, userID)
	if err != nil {
		return api.DataExport{}, err
	}
	identities, err := q.ListUserSSOIdentities(ctx, userID)
	if err != nil {
		return api.DataExport{}, err
	}
	secondFactor, err := totpStatus(ctx, q, userID)
	if err != nil {
		return api.DataExport{}, err
	}
	recipients := []string{u.Email}
	if u.Phone != nil {
		recipients = append(recipients, *u.Phone)
	}
	messages, err := q.ListMessagesForExport(ctx, recipients)
	if err != nil {
		return api.DataExport{}, err
	}
	out := api.DataExport{
		ExportedAt:              s.Now().UTC(),
		User:                    userDTO(u),
		NotificationPreferences: preferencesDTO(prefs),
		Memberships:             membershipDTOs(memberships),
		Sessions:                make([]api.ExportSession, 0, len(sessions)),
		Certificates:            make([]api.Certificate, 0, len(certificates)),
		SsoIdentities:           make([]api.SsoIdentity, 0, len(identities)),
		SecondFactor:            secondFactor,
		AuditEvents:             make([]api.ExportAuditEvent, 0, len(events)),
		Messages:                make([]api.ExportMessage, 0, len(messages)),
	}
	for _, r := range sessions {
		out.Sessions = append(out.Sessions, api.ExportSession{
			ID: r.ID, RememberMe: r.RememberMe, UserAgent: r.UserAgent, IP: ipText(r.Ip),
			CreatedAt: r.CreatedAt.UTC(), LastUsedAt: r.LastUsedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
			RevokedAt: web.UTCPtr(r.RevokedAt), RevokeReason: r.RevokeReason,
		})
	}
	for _, r := range certificates {
		out.Certificates = append(out.Certificates, s.certificateDTO(r))
	}
	for _, r := range identities {
		out.SsoIdentities = append(out.SsoIdentities, s.identityDTO(r))
	}
	for _, r := range events {
		details := map[string]any{}
		if err := json.Unmarshal(r.Details, &details); err != nil {
			return api.DataExport{}, err
		}
		out.AuditEvents = append(out.AuditEvents, api.ExportAuditEvent{
			ID: r.ID, OccurredAt: r.OccurredAt.UTC(), Event: r.Event, OrganizationID: r.OrganizationID, ActorID: r.ActorID,
			IP: ipText(r.Ip), UserAgent: r.UserAgent, Details: details,
		})
	}
	for _, r := range messages {
		out.Messages = append(out.Messages, api.ExportMessage{
			ID: r.ID, Channel: api.ExportMessageChannel(r.Channel), Recipient: r.Recipient, Template: r.Template,
			Locale: api.Locale(r.Locale), Subject: r.Subject, Status: api.ExportMessageStatus(r.Status),
			CreatedAt: r.CreatedAt.UTC(), SentAt: web.UTCPtr(r.SentAt),
		})
	}
	return out, nil
}

// CloseAccount closes the caller's account for good. Personal data is
// erased where nothing must keep it; the row stays, anonymized, so that ids
// in audit events (and later in organizations' records) still resolve.
func (s *Handler) CloseAccount(ctx context.Context, req api.CloseAccountRequestObject) (api.CloseAccountResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.RequireRecentAuth(ctx, p); err != nil {
		return nil, err
	}
	if err := s.LimitAttempts(ctx, web.AttemptLimit{Rule: closeRule, Subject: p.User.ID.String(), User: p.User.ID}); err != nil {
		return nil, err
	}
	if p.User.PasswordHash != nil {
		pw := ""
		if req.Body.Password != nil {
			pw = *req.Body.Password
		}
		if pw == "" {
			return closeRefused(ctx, "required", "is required to close an account that has a password"), nil
		}
		ok, _, err := s.Hasher.Verify(ctx, pw, *p.User.PasswordHash)
		if err != nil {
			return nil, err
		}
		if !ok {
			return closeRefused(ctx, "incorrect", "is not your current password"), nil
		}
	}
	lastAdmin := false
	var files []string
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		u, err := q.GetUserForUpdate(ctx, p.User.ID)
		if err != nil {
			return err
		}
		if lastAdmin, err = lastAdminSomewhere(ctx, q, u.ID); err != nil || lastAdmin {
			return err
		}
		recipients := []string{u.Email}
		if u.Phone != nil {
			recipients = append(recipients, *u.Phone)
		}
		// Queued before the redaction, which spares pending messages: the
		// notice still reaches the former address.
		if err := s.outbox.Enqueue(ctx, tx, notify.Message{
			Channel: notify.Email, To: u.Email, Template: "account_closed", Locale: u.Locale,
			Data: map[string]any{"FirstName": u.FirstName},
		}); err != nil {
			return err
		}
		if err := s.Record(ctx, q, audit.AccountClosed, u.ID, nil); err != nil {
			return err
		}
		steps := []func() error{
			// Applications holding no seat are withdrawn and forgotten
			// (their documents too); approved ones stay with the
			// organization as its record of the enrollment.
			func() error { return q.WithdrawOpenApplicationsOfClosedUser(ctx, u.ID) },
			func() (err error) { files, err = q.DeleteDocumentsOfClosedUser(ctx, u.ID); return err },
			func() error { return q.TrashDocumentsOfClosedUser(ctx, u.ID) }, // the archive: purged after its retention
			func() error { return q.EndSessionsOfClosedUser(ctx, u.ID) },
			func() error { return q.ConsumeCodesOfUser(ctx, &u.ID) },
			func() error { return q.DeleteNotificationPreferences(ctx, u.ID) },
			func() error { return q.DeleteMembershipsOfUser(ctx, u.ID) },
			func() error { return q.RedactInvitationsOfClosedUser(ctx, &u.ID) },
			func() error { return q.DeleteUserCertificates(ctx, u.ID) },
			func() error { return q.DeleteUserSSOIdentities(ctx, u.ID) },
			func() error { return q.DeleteUserAuthenticator(ctx, u.ID) },
			func() error { return q.DeleteUserRecoveryCodes(ctx, u.ID) },
			func() error { return q.RedactDeliveredMessages(ctx, recipients) },
			func() error { return q.StripAuditEventsOfClosedUser(ctx, &u.ID) },
			func() error { return q.CloseUser(ctx, u.ID) },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if lastAdmin {
		return api.CloseAccount409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusConflict, web.CodeLastAdmin,
				"You are the last active admin of an organization; make somebody else an admin there first."))}, nil
	}
	for _, key := range files {
		if s.Files == nil {
			break
		}
		if err := s.Files.Delete(context.WithoutCancel(ctx), key); err != nil {
			s.Log.Warn("delete a closed account's document", "key", key, "error", err)
		}
	}
	return api.CloseAccount204Response{}, nil
}

// lastAdminSomewhere reports whether closing userID's account would leave an
// organization without an active admin. It locks the organizations userID
// administers, like every change of roles and blocks (members.go), so a
// concurrent demotion of the other admin cannot slip in between.
func lastAdminSomewhere(ctx context.Context, q *db.Queries, userID uuid.UUID) (bool, error) {
	orgs, err := q.ListOrganizationsAdministeredBy(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, id := range orgs {
		if _, err := q.LockOrganization(ctx, id); err != nil {
			return false, err
		}
		n, err := q.CountActiveAdmins(ctx, id)
		if err != nil {
			return false, err
		}
		if n <= 1 {
			return true, nil
		}
	}
	return false, nil
}

func closeRefused(ctx context.Context, code, message string) api.CloseAccount422ApplicationProblemPlusJSONResponse {
	return api.CloseAccount422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
		web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.",
			web.FieldError("password", code, message)))}
}

func ipText(a *netip.Addr) *string {
	if a == nil {
		return nil
	}
	return ptr(a.String())
}
