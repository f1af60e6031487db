package enrollment

import (
	"context"
	"net/http"
	"slices"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/documents"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// SubmitApplication sends the caller's application to the organization (or
// back to it after changes), recording the consent; a program that needs no
// review approves it at once.
func (s *Handler) SubmitApplication(ctx context.Context, req api.SubmitApplicationRequestObject) (api.SubmitApplicationResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	policy := s.Cfg.Enrollment.PDPolicyVersion
	var fields []api.FieldError
	if !req.Body.PersonalDataConsent {
		fields = append(fields, web.FieldError("personalDataConsent", "required", "must be true: an application cannot be sent without the consent"))
	}
	if v := req.Body.PolicyVersion; v != nil && *v != policy {
		fields = append(fields, web.FieldError("policyVersion", "outdated", "is not the current policy version "+policy+": show the applicant the current text"))
	}
	if len(fields) > 0 {
		return nil, invalid(ctx, fields)
	}
	var out api.Application
	err = s.mine(ctx, p, req.ApplicationID, func(q txn, a db.Application) error {
		if !allowed(actSubmit, a.Status) {
			return illegal(ctx, actSubmit, a.Status)
		}
		c, err := q.ApplicationContext(ctx, db.ApplicationContextParams{ProgramID: a.ProgramID, GroupID: a.GroupID})
		if err != nil {
			return err
		}
		docs, err := q.ListApplicationDocuments(ctx, a.ID)
		if err != nil {
			return err
		}
		if missing := incomplete(a, c, docs); len(missing) > 0 {
			return web.Fail(ctx, http.StatusUnprocessableEntity, codeIncomplete,
				"The application is not complete: add what the errors name, then submit again.", missing...)
		}
		first := a.Status == db.ApplicationStatusDraft
		if first {
			g, err := q.GetGroup(ctx, db.GetGroupParams{OrganizationID: a.OrganizationID, ID: a.GroupID})
			if err != nil {
				return err
			}
			if !enrollmentOpen(g, s.Now()) {
				return closed(ctx)
			}
		}
		to, event := db.ApplicationStatusSubmitted, "submitted"
		if !first {
			to, event = db.ApplicationStatusResubmitted, "resubmitted"
		}
		prev := a.Status
		now := s.Now()
		if a, err = q.SetApplicationStatus(ctx, db.SetApplicationStatusParams{ID: a.ID, Status: to, Now: now}); err != nil {
			return err
		}
		if err := q.SetApplicationConsent(ctx, db.SetApplicationConsentParams{ID: a.ID, PolicyVersion: &policy, At: now}); err != nil {
			return err
		}
		a.ConsentPolicyVersion, a.ConsentAt = &policy, &now
		if err := addEvent(ctx, q.Queries, a.ID, event, &p.User.ID, &prev, to, nil, false); err != nil {
			return err
		}
		// The files sent go to the applicant's document archive too.
		if s.Jobs != nil && len(docs) > 0 {
			if _, err := s.Jobs.InsertTx(ctx, q.tx, documents.PublishApplicationArgs{ApplicationID: a.ID}, nil); err != nil {
				return err
			}
		}
		if c.AutoApprove {
			// A closed window leaves a resubmission for a manager to decide.
			if a, _, err = s.approve(ctx, q, a, nil, nil, "approved"); err != nil {
				return err
			}
		}
		out, err = s.view(ctx, q.Queries, a, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return api.SubmitApplication200JSONResponse(out), nil
}

// incomplete names what a submission still lacks: every document of the
// checklist, and for programs leading to state-format documents (ПК, ПП)
// the personal data and prior education those documents carry.
func incomplete(a db.Application, c db.ApplicationContextRow, docs []db.ApplicationDocument) []api.FieldError {
	var out []api.FieldError
	missing := func(field, message string) { out = append(out, web.FieldError(field, "missing", message)) }
	for _, kind := range c.RequiredDocuments {
		if !slices.ContainsFunc(docs, func(d db.ApplicationDocument) bool { return d.Kind == kind }) {
			missing("documents."+kind, "is required by the program: upload it")
		}
	}
	if c.RequiresSnils || c.RequiresPriorEducation {
		if !a.BirthDate.Valid {
			missing("applicant.birthDate", "is required for the program's state-format document")
		}
		if a.Sex == nil {
			missing("applicant.sex", "is required for the program's state-format document")
		}
		if a.Citizenship == nil {
			missing("applicant.citizenship", "is required for the program's state-format document")
		}
	}
	if c.RequiresSnils && a.Snils == nil {
		missing("applicant.snils", "is required for the program's state-format document")
	}
	if c.RequiresPriorEducation {
		if a.EducationLevel == nil {
			missing("applicant.priorEducation.level", "is required: higher (ВО) or secondary vocational (СПО) education")
		}
		if a.DiplomaSeries == nil {
			missing("applicant.priorEducation.diplomaSeries", "is required: the series of the prior-education diploma")
		}
		if a.DiplomaNumber == nil {
			missing("applicant.priorEducation.diplomaNumber", "is required: the number of the prior-education diploma")
		}
	}
	return out
}

// WithdrawApplication withdraws the caller's application; an approved one
// gives its seat back to the group's waiting list.
func (s *Handler) WithdrawApplication(ctx context.Context, req api.WithdrawApplicationRequestObject) (api.WithdrawApplicationResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var reason *string
	if req.Body != nil {
		reason = req.Body.Reason
	}
	var out api.Application
	err = s.mine(ctx, p, req.ApplicationID, func(q txn, a db.Application) error {
		if !allowed(actWithdraw, a.Status) {
			return illegal(ctx, actWithdraw, a.Status)
		}
		prev := a.Status
		a, err := q.SetApplicationStatus(ctx, db.SetApplicationStatusParams{ID: a.ID, Status: db.ApplicationStatusWithdrawn, Now: s.Now()})
		if err != nil {
			return err
		}
		if err := addEvent(ctx, q.Queries, a.ID, "withdrawn", &p.User.ID, &prev, a.Status, reason, false); err != nil {
			return err
		}
		if prev == db.ApplicationStatusApproved {
			if err := s.releaseSeat(ctx, q, a); err != nil {
				return err
			}
		}
		out, err = s.view(ctx, q.Queries, a, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return api.WithdrawApplication200JSONResponse(out), nil
}
