package progress

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// LearnerProgress is one line of a group's progress table.
type LearnerProgress struct {
	Name        string
	Email       string
	Completions Completions
}

// CSVOptions tune the export for its reader.
type CSVOptions struct {
	// Comma separates fields; 0 means ',' (RFC 4180). Excel with a Russian
	// locale splits on ';' when a file is opened by double-click, so the
	// HTTP layer may offer that as a choice.
	Comma rune
	// Location is the time zone dates are written in; nil means UTC.
	Location *time.Location
}

// bom makes Excel read the file as UTF-8.
const bom = "\ufeff"

// WriteCSV writes a group's progress table: RFC 4180 (quoted as needed,
// CRLF line ends), UTF-8 with a byte-order mark, a header in Russian, one
// line per learner with the totals and, per lesson, the date it was
// completed (dd.mm.yyyy) or nothing. Cells that a spreadsheet would run as
// a formula (starting with = + - @, tab or CR) are prefixed with an
// apostrophe: learners choose their own names.
func WriteCSV(w io.Writer, p Program, learners []LearnerProgress, opt CSVOptions) error {
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	if _, err := io.WriteString(w, bom); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if opt.Comma != 0 {
		cw.Comma = opt.Comma
	}
	header := []string{"Слушатель", "Эл. почта", "Пройдено уроков", "Всего уроков", "Прогресс, %",
		"Обязательные пройдены", "Обязательных всего", "Итоговый тест", "Последняя активность"}
	for _, l := range p.Lessons {
		title := l.Title
		if title == "" {
			title = l.ID
		}
		header = append(header, safeCell(title))
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	date := func(t time.Time) string { return t.In(loc).Format("02.01.2006") }
	for _, lp := range learners {
		s := Summarize(p, lp.Completions)
		final := "не требуется"
		if p.FinalTest != "" {
			final = "не сдан"
			if s.FinalTestPassed {
				final = "сдан"
			}
		}
		last := ""
		if s.LastActivity != nil {
			last = date(*s.LastActivity)
		}
		rec := []string{safeCell(lp.Name), safeCell(lp.Email), strconv.Itoa(s.Completed), strconv.Itoa(s.Total),
			strconv.Itoa(s.Percent), strconv.Itoa(s.MandatoryDone), strconv.Itoa(s.MandatoryTotal), final, last}
		for _, l := range p.Lessons {
			cell := ""
			if at, ok := lp.Completions[l.ID]; ok {
				cell = date(at)
			}
			rec = append(rec, cell)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// safeCell defuses formula injection (CWE-1236).
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
