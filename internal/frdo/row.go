// Package frdo writes the export of issued ДПО documents for ФИС ФРДО (the
// federal register of documents on education): an XLSX following the
// columns of the register's template for additional professional
// education, written with excelize's streaming writer so a year of
// documents does not sit in memory as a spreadsheet.
//
// Values are written as the register reads them: dates as text dd.mm.yyyy,
// series and numbers as text (leading zeros kept), СНИЛС as 123-456-789 01,
// sex as Муж/Жен, citizenship as the OKSM digit code.
package frdo

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// DocumentType is the kind of document.
type DocumentType string

// The document types of ДПО in the register.
const (
	Certificate DocumentType = "Удостоверение о повышении квалификации"
	Diploma     DocumentType = "Диплом о профессиональной переподготовке"
)

// Status is the document's status in the register.
type Status string

// The statuses.
const (
	Original  Status = "Оригинал"
	Duplicate Status = "Дубликат"
)

// ProgramType is the kind of ДПО program.
type ProgramType string

// The program types.
const (
	Advanced   ProgramType = "Повышение квалификации"
	Retraining ProgramType = "Профессиональная переподготовка"
)

// EducationLevel is the holder's prior education.
type EducationLevel string

// The prior education levels ДПО may build on.
const (
	Higher     EducationLevel = "Высшее образование"
	Vocational EducationLevel = "Среднее профессиональное образование"
)

// Sex is written Муж or Жен.
type Sex string

// The sexes.
const (
	Male   Sex = "Муж"
	Female Sex = "Жен"
)

// Row is one issued document.
type Row struct {
	// The document.
	DocumentType       DocumentType
	Status             Status
	Series             string // may be empty
	Number             string
	IssuedOn           time.Time
	RegistrationNumber string
	// The program.
	ProgramType ProgramType
	ProgramName string
	Hours       int
	StartYear   int
	EndYear     int
	// Prior education.
	PriorLevel   EducationLevel
	PriorSeries  string
	PriorNumber  string
	PriorSurname string // the surname on the prior diploma, if it differs
	// The person.
	Surname    string
	Name       string
	Patronymic string // empty when there is none
	BirthDate  time.Time
	Sex        Sex
	// SNILS: 11 digits, in any spacing ("12345678901", "123-456-789 01").
	SNILS string
	// Citizenship: the OKSM code, three digits ("643" for Russia).
	Citizenship string
}

// Columns are the header, in the template's order.
var Columns = []string{
	"Вид документа",
	"Статус документа",
	"Серия документа",
	"Номер документа",
	"Дата выдачи документа",
	"Регистрационный номер",
	"Вид дополнительной профессиональной программы",
	"Наименование дополнительной профессиональной программы",
	"Срок обучения, часов",
	"Год поступления на обучение",
	"Год окончания обучения",
	"Уровень образования ВО/СПО",
	"Серия документа о ВО/СПО",
	"Номер документа о ВО/СПО",
	"Фамилия, указанная в дипломе о ВО или СПО",
	"Фамилия получателя",
	"Имя получателя",
	"Отчество получателя",
	"Дата рождения получателя",
	"Пол получателя",
	"СНИЛС",
	"Гражданство получателя (код страны по ОКСМ)",
}

const dateLayout = "02.01.2006"

// values is the row as cells, in Columns order.
func (r *Row) values() []any {
	prior := r.PriorSurname
	if prior == "" {
		prior = r.Surname
	}
	snils, _ := FormatSNILS(r.SNILS)
	return []any{
		string(r.DocumentType), string(r.Status), r.Series, r.Number, r.IssuedOn.Format(dateLayout), r.RegistrationNumber,
		string(r.ProgramType), r.ProgramName, r.Hours, r.StartYear, r.EndYear,
		string(r.PriorLevel), r.PriorSeries, r.PriorNumber, prior,
		r.Surname, r.Name, r.Patronymic, r.BirthDate.Format(dateLayout), string(r.Sex), snils, r.Citizenship,
	}
}

// RowError is a value the register would refuse; Row counts from 1 as in
// the manager's list.
type RowError struct {
	Row    int
	Column string
	Msg    string
}

func (e RowError) Error() string { return fmt.Sprintf("row %d, %s: %s", e.Row, e.Column, e.Msg) }

// RowErrors is every problem found, so a manager fixes them in one go.
type RowErrors []RowError

func (e RowErrors) Error() string {
	msgs := make([]string, 0, min(len(e), 5))
	for i, x := range e {
		if i == 5 {
			msgs = append(msgs, fmt.Sprintf("and %d more", len(e)-5))
			break
		}
		msgs = append(msgs, x.Error())
	}
	return "frdo: " + strings.Join(msgs, "; ")
}

var oksmRE = regexp.MustCompile(`^[0-9]{3}$`)

// validate lists what is wrong with the row (n counts from 1).
func (r *Row) validate(n int) RowErrors {
	var errs RowErrors
	add := func(col int, format string, args ...any) {
		errs = append(errs, RowError{Row: n, Column: Columns[col], Msg: fmt.Sprintf(format, args...)})
	}
	required := func(col int, v string) {
		if strings.TrimSpace(v) == "" {
			add(col, "required")
		} else if utf8.RuneCountInString(v) > 500 {
			add(col, "too long")
		}
	}
	switch r.DocumentType {
	case Certificate, Diploma:
	default:
		add(0, "%q is not a ДПО document type", r.DocumentType)
	}
	if r.Status != Original && r.Status != Duplicate {
		add(1, "%q is not a status (Оригинал, Дубликат)", r.Status)
	}
	required(3, r.Number)
	if r.IssuedOn.IsZero() {
		add(4, "required")
	}
	required(5, r.RegistrationNumber)
	switch {
	case r.ProgramType != Advanced && r.ProgramType != Retraining:
		add(6, "%q is not a program type", r.ProgramType)
	case r.ProgramType == Advanced && r.DocumentType == Diploma, r.ProgramType == Retraining && r.DocumentType == Certificate:
		add(6, "%s is not issued for %s", r.DocumentType, strings.ToLower(string(r.ProgramType)))
	}
	required(7, r.ProgramName)
	if r.Hours < 16 {
		add(8, "%d hours: ДПО programs have at least 16", r.Hours)
	} else if r.ProgramType == Retraining && r.Hours < 250 {
		add(8, "%d hours: retraining programs have at least 250", r.Hours)
	}
	if r.StartYear < 1990 || r.StartYear > 2100 {
		add(9, "%d is not a year", r.StartYear)
	}
	if r.EndYear < r.StartYear || r.EndYear > 2100 {
		add(10, "%d is before the start year or not a year", r.EndYear)
	}
	if r.PriorLevel != Higher && r.PriorLevel != Vocational {
		add(11, "%q is not a level (Высшее образование, Среднее профессиональное образование)", r.PriorLevel)
	}
	required(13, r.PriorNumber)
	required(15, r.Surname)
	required(16, r.Name)
	if r.BirthDate.IsZero() || !r.BirthDate.Before(r.IssuedOn) {
		add(18, "required, before the issue date")
	}
	if r.Sex != Male && r.Sex != Female {
		add(19, "%q is not Муж or Жен", r.Sex)
	}
	if _, err := FormatSNILS(r.SNILS); err != nil {
		add(20, "%v", err)
	}
	if !oksmRE.MatchString(r.Citizenship) {
		add(21, "%q is not a three-digit OKSM code", r.Citizenship)
	}
	return errs
}
