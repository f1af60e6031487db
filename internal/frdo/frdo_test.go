package frdo_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kabinet-edu/kabinet/internal/frdo"
)

func row() frdo.Row {
	return frdo.Row{
		DocumentType: frdo.Certificate, Status: frdo.Original, Series: "", Number: "000123",
		IssuedOn: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), RegistrationNumber: "ПК-00042/26",
		ProgramType: frdo.Advanced, ProgramName: "Методика преподавания математики", Hours: 72, StartYear: 2026, EndYear: 2026,
		PriorLevel: frdo.Higher, PriorSeries: "1077", PriorNumber: "0012345", PriorSurname: "Петрова",
		Surname: "Иванова", Name: "Анна", Patronymic: "Сергеевна", BirthDate: time.Date(1990, 4, 5, 0, 0, 0, 0, time.UTC),
		Sex: frdo.Female, SNILS: "11223344595", Citizenship: "643",
	}
}

func TestWriteReadsBack(t *testing.T) {
	second := row()
	second.DocumentType, second.ProgramType, second.Hours, second.Status = frdo.Diploma, frdo.Retraining, 520, frdo.Duplicate
	second.Surname, second.Name, second.Patronymic, second.PriorSurname, second.Sex = "Смирнов", "Олег", "", "", frdo.Male
	second.SNILS, second.PriorLevel, second.StartYear = "112-233-445 95", frdo.Vocational, 2025

	var buf bytes.Buffer
	if err := frdo.Write(&buf, []frdo.Row{row(), second}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(frdo.Sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	if strings.Join(rows[0], "|") != strings.Join(frdo.Columns, "|") {
		t.Errorf("header %v", rows[0])
	}
	want1 := []string{
		"Удостоверение о повышении квалификации", "Оригинал", "", "000123", "28.11.2026", "ПК-00042/26",
		"Повышение квалификации", "Методика преподавания математики", "72", "2026", "2026",
		"Высшее образование", "1077", "0012345", "Петрова",
		"Иванова", "Анна", "Сергеевна", "05.04.1990", "Жен", "112-233-445 95", "643",
	}
	if got := strings.Join(rows[1], "|"); got != strings.Join(want1, "|") {
		t.Errorf("row 1:\n got %s\nwant %s", got, strings.Join(want1, "|"))
	}
	r2 := rows[2]
	if r2[0] != "Диплом о профессиональной переподготовке" || r2[1] != "Дубликат" || r2[6] != "Профессиональная переподготовка" ||
		r2[14] != "Смирнов" || r2[17] != "" || r2[19] != "Муж" || r2[11] != "Среднее профессиональное образование" {
		t.Errorf("row 2: %v", r2)
	}
	// Numbers with leading zeros stay text; hours are numbers.
	if typ, _ := f.GetCellType(frdo.Sheet, "D2"); typ == excelize.CellTypeNumber {
		t.Error("the document number was written as a number")
	}
	if typ, _ := f.GetCellType(frdo.Sheet, "I2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("hours cell type %v", typ)
	}
	panes, _ := f.GetPanes(frdo.Sheet)
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v", panes)
	}
}

func TestWriteRefusesInvalidRows(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*frdo.Row)
		column string
	}{
		{"certificate for retraining", func(r *frdo.Row) { r.ProgramType = frdo.Retraining; r.Hours = 300 }, "Вид дополнительной профессиональной программы"},
		{"a сертификат is not registered", func(r *frdo.Row) { r.DocumentType = "Сертификат" }, "Вид документа"},
		{"status", func(r *frdo.Row) { r.Status = "оригинал?" }, "Статус документа"},
		{"too few hours", func(r *frdo.Row) { r.Hours = 8 }, "Срок обучения, часов"},
		{"retraining under 250 hours", func(r *frdo.Row) { r.DocumentType, r.ProgramType, r.Hours = frdo.Diploma, frdo.Retraining, 72 }, "Срок обучения, часов"},
		{"end before start", func(r *frdo.Row) { r.EndYear = 2025 }, "Год окончания обучения"},
		{"SNILS checksum", func(r *frdo.Row) { r.SNILS = "112-233-445 96" }, "СНИЛС"},
		{"SNILS length", func(r *frdo.Row) { r.SNILS = "1122334459" }, "СНИЛС"},
		{"sex", func(r *frdo.Row) { r.Sex = "Ж" }, "Пол получателя"},
		{"OKSM", func(r *frdo.Row) { r.Citizenship = "RU" }, "Гражданство получателя (код страны по ОКСМ)"},
		{"no surname", func(r *frdo.Row) { r.Surname = " " }, "Фамилия получателя"},
		{"no prior number", func(r *frdo.Row) { r.PriorNumber = "" }, "Номер документа о ВО/СПО"},
		{"level", func(r *frdo.Row) { r.PriorLevel = "Среднее общее" }, "Уровень образования ВО/СПО"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := row()
			tt.edit(&bad)
			var buf bytes.Buffer
			err := frdo.Write(&buf, []frdo.Row{row(), bad})
			var re frdo.RowErrors
			if !errors.As(err, &re) {
				t.Fatalf("Write = %v", err)
			}
			if re[0].Row != 2 || re[0].Column != tt.column {
				t.Errorf("got %v, want row 2 %q", re, tt.column)
			}
			if buf.Len() != 0 {
				t.Error("wrote a workbook despite errors")
			}
		})
	}
}

func TestFormatSNILS(t *testing.T) {
	for in, want := range map[string]string{
		"11223344595":    "112-233-445 95",
		"112 233 445 95": "112-233-445 95",
		"123-456-789 64": "123-456-789 64",
	} {
		if got, err := frdo.FormatSNILS(in); err != nil || got != want {
			t.Errorf("FormatSNILS(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "1122334459a", "11223344594", "112233445955"} {
		if _, err := frdo.FormatSNILS(in); err == nil {
			t.Errorf("FormatSNILS(%q) accepted", in)
		}
	}
}

func TestWriteManyRowsStreams(t *testing.T) {
	rows := make([]frdo.Row, 2000)
	for i := range rows {
		rows[i] = row()
		rows[i].RegistrationNumber = fmt.Sprintf("ПК-%05d/26", i+1)
	}
	var buf bytes.Buffer
	if err := frdo.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	f, _ := excelize.OpenReader(&buf)
	defer f.Close()
	if v, _ := f.GetCellValue(frdo.Sheet, "F2001"); v != "ПК-02000/26" {
		t.Errorf("F2001 = %q", v)
	}
}
