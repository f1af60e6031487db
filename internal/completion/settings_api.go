package completion

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/docnumber"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// GetCompletionSettings returns the numbering and signature settings.
func (s *Handler) GetCompletionSettings(ctx context.Context, req api.GetCompletionSettingsRequestObject) (api.GetCompletionSettingsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, issuers...); err != nil {
		return nil, err
	}
	set, saved, err := loadSettings(ctx, s.Q, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	out, err := s.settingsDTO(ctx, s.Q, set, saved)
	if err != nil {
		return nil, err
	}
	return api.GetCompletionSettings200JSONResponse(out), nil
}

// UpdateCompletionSettings replaces the settings after checking every
// pattern.
func (s *Handler) UpdateCompletionSettings(ctx context.Context, req api.UpdateCompletionSettingsRequestObject) (api.UpdateCompletionSettingsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, issuers...); err != nil {
		return nil, err
	}
	b := req.Body
	n := b.Numbering
	rules := []struct {
		field string
		in    api.NumberingRuleUpdate
	}{{"certificateOfQualification", n.CertificateOfQualification}, {"diploma", n.Diploma}, {"certificate", n.Certificate}}
	var bad []api.FieldError
	parsed := make([]rule, len(rules))
	seen := map[string]string{}
	for i, r := range rules {
		reset := docnumber.Reset("")
		if r.in.Reset != nil {
			reset = docnumber.Reset(*r.in.Reset)
		}
		pat, err := docnumber.ParsePattern(r.in.Pattern, reset)
		var pe *docnumber.PatternError
		switch {
		case errors.As(err, &pe):
			bad = append(bad, web.FieldError("numbering."+r.field+".pattern", "invalid_pattern", pe.Msg))
			continue
		case err != nil:
			return nil, err
		}
		if other, dup := seen[r.in.Pattern]; dup {
			bad = append(bad, web.FieldError("numbering."+r.field+".pattern", "duplicate", "the same pattern as "+other+": numbers would repeat across kinds"))
		}
		seen[r.in.Pattern] = r.field
		parsed[i] = rule{Pattern: pat.String(), Reset: string(pat.Reset()), Series: deref(r.in.Series)}
	}
	if len(bad) > 0 {
		return nil, &web.Error{Problem: web.Invalid(ctx, bad...)}
	}
	actor := p.User.ID
	var out api.CompletionSettings
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		set, err := q.UpsertCompletionSettings(ctx, db.UpsertCompletionSettingsParams{
			OrganizationID: req.OrganizationID, Prefix: deref(b.Prefix), City: deref(b.City),
			SignatoryTitle: deref(b.SignatoryTitle), SignatoryName: deref(b.SignatoryName),
			QualificationPattern: parsed[0].Pattern, QualificationReset: parsed[0].Reset, QualificationSeries: parsed[0].Series,
			DiplomaPattern: parsed[1].Pattern, DiplomaReset: parsed[1].Reset, DiplomaSeries: parsed[1].Series,
			CertificatePattern: parsed[2].Pattern, CertificateReset: parsed[2].Reset, CertificateSeries: parsed[2].Series,
			UpdatedBy: &actor,
		})
		if err != nil {
			return err
		}
		if err := s.RecordIn(ctx, q, auditSettings, req.OrganizationID, nil, &actor, map[string]any{
			"certificateOfQualification": parsed[0].Pattern, "diploma": parsed[1].Pattern, "certificate": parsed[2].Pattern,
		}); err != nil {
			return err
		}
		out, err = s.settingsDTO(ctx, q, set, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateCompletionSettings200JSONResponse(out), nil
}

func (s *Handler) settingsDTO(ctx context.Context, q *db.Queries, set db.CompletionSetting, saved bool) (api.CompletionSettings, error) {
	today := issueDate(s.Now())
	numbering := map[db.CompletionDocument]api.NumberingRule{}
	for _, k := range Kinds {
		r := ruleOf(set, k)
		pat, err := r.parse()
		if err != nil {
			return api.CompletionSettings{}, err
		}
		last, err := docnumber.Last(ctx, q, set.OrganizationID, string(k), pat, today)
		if err != nil {
			return api.CompletionSettings{}, err
		}
		numbering[k] = api.NumberingRule{
			Pattern: r.Pattern, Reset: api.NumberingRuleReset(pat.Reset()), Series: r.Series,
			LastNumber: last, NextNumber: pat.Format(last+1, today, set.Prefix),
		}
	}
	out := api.CompletionSettings{
		Prefix: set.Prefix, City: set.City, SignatoryTitle: set.SignatoryTitle, SignatoryName: set.SignatoryName,
		Numbering: api.CompletionNumbering{
			CertificateOfQualification: numbering[db.CompletionDocumentCertificateOfQualification],
			Diploma:                    numbering[db.CompletionDocumentDiploma],
			Certificate:                numbering[db.CompletionDocumentCertificate],
		},
	}
	if saved {
		at := set.UpdatedAt.UTC()
		out.UpdatedAt = &at
	}
	return out, nil
}

var _ = uuid.Nil
