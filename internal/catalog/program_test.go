package catalog_test

import (
	"reflect"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/catalog"
)

func TestCheckProgram(t *testing.T) {
	ok := func(k db.ProgramKind, hours int32) catalog.ProgramFields {
		d := catalog.DefaultsFor(k)
		return catalog.ProgramFields{Kind: k, CompletionDocument: d.CompletionDocument, AcademicHours: hours,
			RequiresSNILS: d.RequiresSNILS, RequiresPriorEducation: d.RequiresPriorEducation,
			RequiredDocuments: d.RequiredDocuments, Currency: "RUB"}
	}
	with := func(p catalog.ProgramFields, change func(*catalog.ProgramFields)) catalog.ProgramFields {
		change(&p)
		return p
	}
	cases := []struct {
		name   string
		p      catalog.ProgramFields
		fields []string
	}{
		{"ПК defaults", ok(db.ProgramKindQualificationUpgrade, 72), nil},
		{"ПП defaults", ok(db.ProgramKindProfessionalRetraining, 256), nil},
		{"course defaults", ok(db.ProgramKindCourse, 4), nil},
		{"webinar defaults", ok(db.ProgramKindWebinar, 1), nil},
		{"ПК too short", ok(db.ProgramKindQualificationUpgrade, 15), []string{"academicHours"}},
		{"ПП too short", ok(db.ProgramKindProfessionalRetraining, 249), []string{"academicHours"}},
		{"ПК with a diploma", with(ok(db.ProgramKindQualificationUpgrade, 72), func(p *catalog.ProgramFields) {
			p.CompletionDocument = db.CompletionDocumentDiploma
		}), []string{"completionDocument"}},
		{"ПП without СНИЛС and prior education", with(ok(db.ProgramKindProfessionalRetraining, 300), func(p *catalog.ProgramFields) {
			p.RequiresSNILS, p.RequiresPriorEducation = false, false
		}), []string{"requiresPriorEducation", "requiresSnils"}},
		{"course with a diploma", with(ok(db.ProgramKindCourse, 8), func(p *catalog.ProgramFields) {
			p.CompletionDocument = db.CompletionDocumentDiploma
		}), []string{"completionDocument"}},
		{"documents unknown and twice", with(ok(db.ProgramKindCourse, 8), func(p *catalog.ProgramFields) {
			p.RequiredDocuments = []string{"passport", "selfie", "passport"}
		}), []string{"requiredDocuments.1", "requiredDocuments.2"}},
		{"currency", with(ok(db.ProgramKindCourse, 8), func(p *catalog.ProgramFields) { p.Currency = "rub" }), []string{"currency"}},
	}
	for _, c := range cases {
		got := catalog.CheckProgram(c.p)
		var fields []string
		for f := range got {
			fields = append(fields, f)
		}
		sortStrings(fields)
		if !reflect.DeepEqual(fields, c.fields) {
			t.Errorf("%s: %v, want fields %v", c.name, got, c.fields)
		}
	}
}

func TestNormalizeTags(t *testing.T) {
	got, err := catalog.NormalizeTags([]string{" ФГОС ", "фгос", "", "Начальная   школа"})
	if err != nil || !reflect.DeepEqual(got, []string{"фгос", "начальная школа"}) {
		t.Fatalf("%q %v", got, err)
	}
	many := make([]string, 21)
	for i := range many {
		many[i] = string(rune('a' + i))
	}
	if _, err := catalog.NormalizeTags(many); err == nil {
		t.Fatal("21 tags accepted")
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
