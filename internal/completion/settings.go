package completion

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/docnumber"
)

// Kinds are the document kinds that are issued ("none" is not).
var Kinds = []db.CompletionDocument{
	db.CompletionDocumentCertificateOfQualification, db.CompletionDocumentDiploma, db.CompletionDocumentCertificate,
}

// defaultSettings apply while an organization has saved none: a yearly
// sequence per kind with a literal that tells the kinds apart.
func defaultSettings(orgID uuid.UUID) db.CompletionSetting {
	return db.CompletionSetting{
		OrganizationID:       orgID,
		SignatoryTitle:       "Руководитель",
		QualificationPattern: "ПК-{year}-{seq:05}", QualificationReset: "yearly",
		DiplomaPattern: "ПП-{year}-{seq:05}", DiplomaReset: "yearly",
		CertificatePattern: "С-{year}-{seq:05}", CertificateReset: "yearly",
	}
}

// loadSettings returns the organization's settings or the defaults; saved
// reports which.
func loadSettings(ctx context.Context, q *db.Queries, orgID uuid.UUID) (s db.CompletionSetting, saved bool, err error) {
	s, err = q.GetCompletionSettings(ctx, orgID)
	if errors.Is(err, pgx.ErrNoRows) {
		return defaultSettings(orgID), false, nil
	}
	return s, err == nil, err
}

// rule is how one kind is numbered.
type rule struct {
	Pattern string
	Reset   string
	Series  string
}

func ruleOf(s db.CompletionSetting, kind db.CompletionDocument) rule {
	switch kind {
	case db.CompletionDocumentCertificateOfQualification:
		return rule{s.QualificationPattern, s.QualificationReset, s.QualificationSeries}
	case db.CompletionDocumentDiploma:
		return rule{s.DiplomaPattern, s.DiplomaReset, s.DiplomaSeries}
	}
	return rule{s.CertificatePattern, s.CertificateReset, s.CertificateSeries}
}

func (r rule) parse() (*docnumber.Pattern, error) {
	return docnumber.ParsePattern(r.Pattern, docnumber.Reset(r.Reset))
}

// issueDate is the date a document issued at t carries: the UTC date.
func issueDate(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}
