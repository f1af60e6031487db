package organizations

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

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

// importRow is one valid, normalized row of a bulk import, with the initial
// password prepared for it when its e-mail had no account.
type importRow struct {
	db.CreateImportedUserParams
	role     db.MemberRole
	password string
}

// ImportMembers creates accounts in bulk, each with a random initial
// password e-mailed to its owner only; existing accounts get the membership.
func (s *Handler) ImportMembers(ctx context.Context, req api.ImportMembersRequestObject) (api.ImportMembersResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	orgID := req.OrganizationID
	if _, err := s.RequireRole(ctx, p, orgID, db.MemberRoleAdmin); err != nil {
		return nil, err
	}
	rows, fields := s.checkImport(req.Body.Members)
	if len(fields) > 0 {
		return api.ImportMembers422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more rows are invalid; nothing was imported.", fields...))}, nil
	}
	if err := s.prepareInitialPasswords(ctx, rows); err != nil {
		return nil, err
	}
	expires := s.Now().Add(s.Cfg.InitialPasswordTTL)

	var result api.MemberImportResult
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		result = api.MemberImportResult{Rows: make([]api.MemberImportRowResult, 0, len(rows))}
		org, _, err := web.LockOrganizationAs(ctx, q, p, orgID, db.MemberRoleAdmin)
		if err != nil {
			return err
		}
		for i, r := range rows {
			res := api.MemberImportRowResult{Index: i, Email: r.Email}
			outcome, reason, user, err := s.importOne(ctx, q, tx, org, r, expires)
			if err != nil {
				return fmt.Errorf("import row %d: %w", i, err)
			}
			res.Outcome = api.MemberImportRowResultOutcome(outcome)
			if reason != "" {
				res.Reason = &reason
			}
			if user != nil {
				res.UserID = &user.ID
				if err := s.RecordIn(ctx, q, audit.MemberImported, orgID, &user.ID, &p.User.ID,
					map[string]any{"role": r.role, "newAccount": outcome == "created"}); err != nil {
					return err
				}
			}
			switch outcome {
			case "created":
				result.Created++
			case "added":
				result.Added++
			default:
				result.Skipped++
			}
			result.Rows = append(result.Rows, res)
		}
		return nil
	})
	if _, ok := store.UniqueViolation(err); ok {
		// Somebody registered one of the e-mails or phones meanwhile; a
		// repeated import will see that account.
		return api.ImportMembers409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusConflict, web.CodeAlreadyExists, "An account with one of these e-mails or phones was created meanwhile; nothing was imported. Repeat the import."))}, nil
	}
	if err != nil {
		return nil, err
	}
	return api.ImportMembers200JSONResponse(result), nil
}

// importOne applies one row: "created" (a new account), "added" (an existing
// account got the membership) or "skipped" with a reason.
func (s *Handler) importOne(ctx context.Context, q *db.Queries, tx pgx.Tx, org db.Organization, r importRow, expires time.Time) (outcome, reason string, user *db.User, err error) {
	existing, err := q.GetUserByEmail(ctx, r.Email)
	switch {
	case err == nil:
		n, err := q.GrantMembership(ctx, db.GrantMembershipParams{OrganizationID: org.ID, UserID: existing.ID, Role: r.role})
		if err != nil || n == 0 {
			return "skipped", "already_member", nil, err
		}
		err = s.outbox.Enqueue(ctx, tx, notify.Message{
			Channel: notify.Email, To: existing.Email, Template: "membership_granted", Locale: existing.Locale,
			Data: map[string]any{"FirstName": existing.FirstName, "OrgName": org.Name, "RoleName": roleName(existing.Locale, r.role)},
		})
		return "added", "", &existing, err
	case !errors.Is(err, pgx.ErrNoRows):
		return "", "", nil, err
	}
	if r.Phone != nil {
		if _, err := q.GetUserByPhone(ctx, *r.Phone); err == nil {
			return "skipped", "phone_taken", nil, nil
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return "", "", nil, err
		}
	}
	if r.password == "" {
		// The e-mail had an account when the passwords were prepared, which
		// is gone now: rare enough to hash here.
		one := []importRow{r}
		if err := s.prepareInitialPasswords(ctx, one); err != nil {
			return "", "", nil, err
		}
		r = one[0]
	}
	params := r.CreateImportedUserParams
	params.InitialPasswordExpiresAt = &expires
	created, err := q.CreateImportedUser(ctx, params)
	if err != nil {
		return "", "", nil, err
	}
	if _, err := q.GrantMembership(ctx, db.GrantMembershipParams{OrganizationID: org.ID, UserID: created.ID, Role: r.role}); err != nil {
		return "", "", nil, err
	}
	err = s.outbox.Enqueue(ctx, tx, notify.Message{
		Channel: notify.Email, To: created.Email, Template: "initial_password", Locale: created.Locale,
		Data: map[string]any{
			"FirstName": created.FirstName, "OrgName": org.Name, "RoleName": roleName(created.Locale, r.role),
			"Login": created.Email, "Password": r.password, "ExpiresAt": mailTime(expires),
		},
	})
	return "created", "", &created, err
}

// checkImport normalizes every row and lists every invalid field as
// members.<index>.<field>, including an e-mail or phone given twice.
func (s *Handler) checkImport(in []api.MemberImportRow) ([]importRow, []api.FieldError) {
	var (
		rows   = make([]importRow, len(in))
		fields []api.FieldError
		emails = map[string]int{}
		phones = map[string]int{}
	)
	for i, m := range in {
		at := func(f string) string { return fmt.Sprintf("members.%d.%s", i, f) }
		r := importRow{role: db.MemberRole(m.Role)}
		r.Locale = string(api.Ru)
		if m.Locale != nil {
			r.Locale = string(*m.Locale)
		}
		var errs []api.FieldError
		r.FirstName, errs = web.CheckName(at("firstName"), m.FirstName)
		fields = append(fields, errs...)
		r.LastName, errs = web.CheckName(at("lastName"), m.LastName)
		fields = append(fields, errs...)
		email, err := contact.NormalizeEmail(string(m.Email))
		switch {
		case err != nil:
			fields = append(fields, web.FieldError(at("email"), "invalid_format", err.Error()))
		case emails[email] > 0:
			fields = append(fields, web.FieldError(at("email"), "duplicate", fmt.Sprintf("is the same as members.%d.email", emails[email]-1)))
		default:
			emails[email] = i + 1
		}
		r.Email = email
		if m.Phone != nil {
			phone, errs := s.CheckMobile(at("phone"), *m.Phone)
			switch {
			case len(errs) > 0:
				fields = append(fields, errs...)
			case phones[phone] > 0:
				fields = append(fields, web.FieldError(at("phone"), "duplicate", fmt.Sprintf("is the same as members.%d.phone", phones[phone]-1)))
			default:
				phones[phone] = i + 1
				r.Phone = &phone
			}
		}
		rows[i] = r
	}
	return rows, fields
}

// prepareInitialPasswords generates and hashes an initial password for each
// row whose e-mail has no account yet. The hashes run in parallel, bounded by
// the hasher's own concurrency limit.
func (s *Handler) prepareInitialPasswords(ctx context.Context, rows []importRow) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for i := range rows {
		r := &rows[i]
		if _, err := s.Q.GetUserByEmail(ctx, r.Email); err == nil {
			continue
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		ids := []string{r.Email}
		if r.Phone != nil {
			ids = append(ids, *r.Phone, strings.TrimPrefix(*r.Phone, "+"))
		}
		password, err := auth.GenerateInitialPassword(s.Cfg.Password, ids...)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			hash, err := s.Hasher.Hash(ctx, password)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			r.password, r.PasswordHash = password, hash
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
