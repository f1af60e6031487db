package progress_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/internal/progress"
)

func TestWriteCSV(t *testing.T) {
	p := program()
	learners := []progress.LearnerProgress{
		{Name: "Иванова Анна", Email: "anna@example.org", Completions: done("intro", "extra")},
		{Name: `=HYPERLINK("http://evil","Жмите")`, Email: "x@example.org", Completions: done("intro", "webinar", "practice", "final")},
		{Name: "Петров, Пётр \"Петя\"", Email: "petr@example.org"},
	}
	var buf bytes.Buffer
	msk := time.FixedZone("MSK", 3*3600)
	if err := progress.WriteCSV(&buf, p, learners, progress.CSVOptions{Location: msk}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\ufeff") {
		t.Fatal("no byte-order mark")
	}
	if !strings.Contains(out, "\r\n") || strings.Count(out, "\n") != strings.Count(out, "\r\n") {
		t.Error("lines must end with CRLF")
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 4 {
		t.Fatalf("%d records", len(records))
	}
	wantHeader := "Слушатель|Эл. почта|Пройдено уроков|Всего уроков|Прогресс, %|Обязательные пройдены|Обязательных всего|Итоговый тест|Последняя активность|Введение|Дополнительно|Вебинар|Практика|Итоговый тест"
	if got := strings.Join(records[0], "|"); got != wantHeader {
		t.Errorf("header\n got %s\nwant %s", got, wantHeader)
	}
	if got := strings.Join(records[1], "|"); got != "Иванова Анна|anna@example.org|2|5|40|1|4|не сдан|03.09.2026|02.09.2026|03.09.2026|||" {
		t.Errorf("row 1: %s", got)
	}
	if r := records[2]; r[0] != `'=HYPERLINK("http://evil","Жмите")` || r[4] != "80" || r[5] != "4" || r[7] != "сдан" {
		t.Errorf("row 2: %v", r)
	}
	if r := records[3]; r[0] != `Петров, Пётр "Петя"` || r[2] != "0" || r[8] != "" {
		t.Errorf("row 3: %v", r)
	}
	// A semicolon for Excel with a Russian locale.
	buf.Reset()
	_ = progress.WriteCSV(&buf, p, learners[:1], progress.CSVOptions{Comma: ';'})
	if !strings.Contains(buf.String(), "Иванова Анна;anna@example.org;2;5;40") {
		t.Errorf("semicolon output: %s", buf.String())
	}
}
