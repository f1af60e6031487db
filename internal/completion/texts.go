package completion

import (
	"strings"
	"unicode/utf8"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/credential"
	"github.com/kabinet-edu/kabinet/internal/pdf"
)

func pdfKind(k db.CompletionDocument) pdf.Kind {
	switch k {
	case db.CompletionDocumentCertificateOfQualification:
		return pdf.Qualification
	case db.CompletionDocumentDiploma:
		return pdf.Retraining
	}
	return pdf.Certificate
}

func achievementType(k db.CompletionDocument) string {
	if k == db.CompletionDocumentDiploma {
		return credential.TypeDiploma
	}
	return credential.TypeCertificate
}

// kindTitle names the kind as documents and notices do.
func kindTitle(k db.CompletionDocument) string {
	switch k {
	case db.CompletionDocumentCertificateOfQualification:
		return "Удостоверение о повышении квалификации"
	case db.CompletionDocumentDiploma:
		return "Диплом о профессиональной переподготовке"
	}
	return "Сертификат об обучении"
}

// fileTitle is the first word of a document's file name.
func fileTitle(k db.CompletionDocument) string {
	switch k {
	case db.CompletionDocumentCertificateOfQualification:
		return "Удостоверение"
	case db.CompletionDocumentDiploma:
		return "Диплом"
	}
	return "Сертификат"
}

func fullName(last, first string, patronymic *string) string {
	parts := []string{last, first}
	if patronymic != nil && *patronymic != "" {
		parts = append(parts, *patronymic)
	}
	return strings.Join(parts, " ")
}

// orgName is the organization as documents name it: its legal name when
// the organization gave one.
func orgName(o db.Organization) string {
	if strings.TrimSpace(o.LegalName) != "" {
		return o.LegalName
	}
	return o.Name
}

// licenceLine prints the requisites and the education licence under the
// organization's name.
func licenceLine(o db.Organization) string {
	var parts []string
	if o.Inn != "" {
		parts = append(parts, "ИНН "+o.Inn)
	}
	if o.Ogrn != "" {
		parts = append(parts, "ОГРН "+o.Ogrn)
	}
	if o.LegalAddress != "" {
		parts = append(parts, o.LegalAddress)
	}
	line := strings.Join(parts, ", ")
	if o.LicenceNumber != "" {
		l := "Лицензия на осуществление образовательной деятельности № " + o.LicenceNumber
		if o.LicenceDate.Valid {
			l += " от " + o.LicenceDate.Time.Format("02.01.2006")
		}
		if o.LicenceIssuer != "" {
			l += ", выдана " + o.LicenceIssuer
		}
		if line != "" {
			line += ". "
		}
		line += l
	}
	return line
}

// maskName writes a holder's name for strangers: the surname's first and
// last letters around three stars and the initials — «Иванов Иван
// Петрович» is «И***в И. П.».
func maskName(last, first string, patronymic *string) string {
	var b strings.Builder
	r := []rune(strings.TrimSpace(last))
	switch {
	case len(r) == 0:
	case len(r) <= 2:
		b.WriteString(string(r[0]) + "***")
	default:
		b.WriteString(string(r[0]) + "***" + string(r[len(r)-1]))
	}
	for _, n := range []string{first, deref(patronymic)} {
		if c, _ := utf8.DecodeRuneInString(strings.TrimSpace(n)); c != utf8.RuneError {
			b.WriteString(" " + string(c) + ".")
		}
	}
	return strings.TrimSpace(b.String())
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
