package docnumber_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/internal/docnumber"
)

func TestFormat(t *testing.T) {
	date := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		pattern string
		seq     int64
		want    string
		reset   docnumber.Reset
	}{
		{"{year}-{seq:06}", 42, "2026-000042", docnumber.ResetYearly},
		{"ПК-{seq:05}/{yy}", 7, "ПК-00007/26", docnumber.ResetYearly},
		{"{prefix}{month}.{yy}-{seq:3}", 12, "ЭКС-03.26-012", docnumber.ResetYearly},
		{"{seq}", 123456, "123456", docnumber.ResetNever},
		{"{seq:02}", 1234, "1234", docnumber.ResetNever}, // never truncated
		{"{{{seq}}}", 5, "{5}", docnumber.ResetNever},
		{"Д {month}/{seq:4}", 1, "Д 03/0001", docnumber.ResetNever},
	}
	for _, tt := range tests {
		p, err := docnumber.ParsePattern(tt.pattern, "")
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		if got := p.Format(tt.seq, date, "ЭКС-"); got != tt.want {
			t.Errorf("%s → %q, want %q", tt.pattern, got, tt.want)
		}
		if p.Reset() != tt.reset {
			t.Errorf("%s resets %s, want %s", tt.pattern, p.Reset(), tt.reset)
		}
	}
	p, _ := docnumber.ParsePattern("{year}-{seq}", docnumber.ResetNever)
	if p.Period(date) != 0 {
		t.Error("an explicit never-reset pattern has a yearly period")
	}
}

func TestParsePatternErrors(t *testing.T) {
	tests := []struct {
		pattern string
		reset   docnumber.Reset
		msg     string
		pos     int
	}{
		{"", "", "must not be empty", -1},
		{"{year}-", "", "needs the sequence number", -1},
		{"{seq}-{seq:3}", "", "more than one {seq}", -1},
		{"A-{sequence}", "", "unknown token {sequence}", 2},
		{"{seq:0}", "", "width N from 1 to 12", 0},
		{"{seq:13}", "", "width N from 1 to 12", 0},
		{"{seq:x}", "", "width N from 1 to 12", 0},
		{"{seq:-3}", "", "width N from 1 to 12", 0},
		{"N-{seq", "", `unclosed "{"`, 2},
		{"N}-{seq}", "", `unmatched "}"`, 1},
		{"{seq}\n", "", "control characters", 5},
		{"{month}-{seq}", docnumber.ResetYearly, "needs {year} or {yy}", -1},
		{"{seq}", "monthly", "unknown reset", -1},
		{strings.Repeat("x", 101) + "{seq}", "", "longer than 100", -1},
	}
	for _, tt := range tests {
		_, err := docnumber.ParsePattern(tt.pattern, tt.reset)
		var pe *docnumber.PatternError
		if !errors.As(err, &pe) {
			t.Errorf("%q: error %v, want a PatternError", tt.pattern, err)
			continue
		}
		if !strings.Contains(pe.Msg, tt.msg) || pe.Pos != tt.pos {
			t.Errorf("%q: %q at %d, want %q at %d", tt.pattern, pe.Msg, pe.Pos, tt.msg, tt.pos)
		}
	}
}
