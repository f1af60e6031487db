package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// Documents an applicant may be asked to attach (programs.required_documents;
// the table's CHECK lists the same).
const (
	DocPassport              = "passport"
	DocPriorEducationDiploma = "prior_education_diploma"
	DocNameChangeCertificate = "name_change_certificate" // when the surname differs from the diploma's
	DocSNILS                 = "snils"
	DocPhoto                 = "photo"
	DocEmploymentRecord      = "employment_record" // трудовая книжка, for some retraining programs
	DocOther                 = "other"
)

// DocumentKinds returns every document kind, in the order forms show them.
func DocumentKinds() []string {
	return []string{DocPassport, DocPriorEducationDiploma, DocNameChangeCertificate, DocSNILS, DocPhoto, DocEmploymentRecord, DocOther}
}

// Minimum lengths of the state-format programs (Приказ Минобрнауки России
// от 01.07.2013 № 499, п. 12).
const (
	MinHoursQualificationUpgrade   = 16
	MinHoursProfessionalRetraining = 250
)

// StateFormat reports whether a kind leads to a state-format document
// (удостоверение or диплом), which needs СНИЛС and prior education.
func StateFormat(k db.ProgramKind) bool {
	return k == db.ProgramKindQualificationUpgrade || k == db.ProgramKindProfessionalRetraining
}

// Defaults are what a new program of a kind starts with.
type Defaults struct {
	CompletionDocument     db.CompletionDocument
	RequiresSNILS          bool
	RequiresPriorEducation bool
	RequiredDocuments      []string
}

// DefaultsFor returns the defaults of a kind: ПК and ПП their documents,
// СНИЛС, prior education and the documents that prove them; other kinds a
// certificate and a passport.
func DefaultsFor(k db.ProgramKind) Defaults {
	switch k {
	case db.ProgramKindQualificationUpgrade:
		return Defaults{db.CompletionDocumentCertificateOfQualification, true, true, []string{DocPassport, DocPriorEducationDiploma, DocSNILS}}
	case db.ProgramKindProfessionalRetraining:
		return Defaults{db.CompletionDocumentDiploma, true, true, []string{DocPassport, DocPriorEducationDiploma, DocSNILS}}
	case db.ProgramKindWebinar:
		return Defaults{db.CompletionDocumentNone, false, false, []string{}}
	default:
		return Defaults{db.CompletionDocumentCertificate, false, false, []string{DocPassport}}
	}
}

// ProgramFields are the fields of a program whose combination is checked.
type ProgramFields struct {
	Kind                   db.ProgramKind
	CompletionDocument     db.CompletionDocument
	AcademicHours          int32
	RequiresSNILS          bool
	RequiresPriorEducation bool
	RequiredDocuments      []string
	Tags                   []string
	Currency               string
}

// CheckProgram returns field → message for what the combination of fields
// does not allow (nil when all is well). Field names are the API's.
func CheckProgram(p ProgramFields) map[string]string {
	errs := map[string]string{}
	switch p.Kind {
	case db.ProgramKindQualificationUpgrade:
		if p.CompletionDocument != db.CompletionDocumentCertificateOfQualification {
			errs["completionDocument"] = "qualification upgrade leads to a certificate of qualification (удостоверение)"
		}
		if p.AcademicHours < MinHoursQualificationUpgrade {
			errs["academicHours"] = fmt.Sprintf("qualification upgrade takes at least %d academic hours", MinHoursQualificationUpgrade)
		}
	case db.ProgramKindProfessionalRetraining:
		if p.CompletionDocument != db.CompletionDocumentDiploma {
			errs["completionDocument"] = "professional retraining leads to a diploma"
		}
		if p.AcademicHours < MinHoursProfessionalRetraining {
			errs["academicHours"] = fmt.Sprintf("professional retraining takes at least %d academic hours", MinHoursProfessionalRetraining)
		}
	default:
		if p.CompletionDocument == db.CompletionDocumentCertificateOfQualification || p.CompletionDocument == db.CompletionDocumentDiploma {
			errs["completionDocument"] = "only qualification upgrade and professional retraining lead to state-format documents"
		}
	}
	if StateFormat(p.Kind) {
		if !p.RequiresSNILS {
			errs["requiresSnils"] = "state-format documents need the learner's SNILS"
		}
		if !p.RequiresPriorEducation {
			errs["requiresPriorEducation"] = "state-format documents need the learner's prior education"
		}
	}
	known := DocumentKinds()
	for i, d := range p.RequiredDocuments {
		switch {
		case !slices.Contains(known, d):
			errs[fmt.Sprintf("requiredDocuments.%d", i)] = fmt.Sprintf("unknown document kind %q", d)
		case slices.Index(p.RequiredDocuments, d) != i:
			errs[fmt.Sprintf("requiredDocuments.%d", i)] = fmt.Sprintf("%q is listed twice", d)
		}
	}
	if _, err := NormalizeTags(p.Tags); err != nil {
		errs["tags"] = err.Error()
	}
	if !currencyPattern.MatchString(p.Currency) {
		errs["currency"] = "an ISO 4217 code in capitals, e.g. RUB"
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// Tag limits.
const (
	MaxTags      = 20
	MaxTagLength = 50
)

// NormalizeTags trims tags, lower-cases them, drops empty ones and
// duplicates (keeping the first), and checks the limits.
func NormalizeTags(tags []string) ([]string, error) {
	out := []string{}
	for _, t := range tags {
		t = strings.ToLower(strings.Join(strings.Fields(t), " "))
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if utf8.RuneCountInString(t) > MaxTagLength {
			return nil, fmt.Errorf("a tag is at most %d characters", MaxTagLength)
		}
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, fmt.Errorf("at most %d tags", MaxTags)
	}
	return out, nil
}
