package ical_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/kabinet-edu/kabinet/internal/ical"
)

var msk = time.FixedZone("MSK", 3*3600)

func write(t *testing.T, events ...ical.Event) string {
	t.Helper()
	var buf bytes.Buffer
	cal := ical.Calendar{ProdID: "-//Kabinet//Learning calendar//RU", Name: "Учёба: Экстерн", Refresh: time.Hour,
		Stamp: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	if err := ical.Write(&buf, cal, events); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestFeedParsesBack(t *testing.T) {
	long := strings.Repeat("Вебинар о преподавании математики в школе, ", 6)
	webinar := ical.Event{
		UID:          "webinar-1b4e@kabinet.example.org",
		Start:        time.Date(2026, 12, 10, 18, 0, 0, 0, msk),
		End:          time.Date(2026, 12, 10, 19, 30, 0, 0, msk),
		Summary:      "Вебинар: дроби, проценты; задачи",
		Description:  "Строка 1\nСтрока 2\r\nПуть C:\\temp, конец;" + long,
		URL:          "https://kabinet.example.org/learn/programs/7/lessons/3",
		Location:     "https://meet.example.org/j/123?pwd=a,b;c",
		Sequence:     2,
		LastModified: time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC),
	}
	groupStart := ical.Event{
		UID: "group-start-9@kabinet.example.org", Start: time.Date(2027, 1, 12, 0, 0, 0, 0, msk), AllDay: true,
		Summary: "Начало занятий группы ПК-12", Cancelled: true,
	}
	out := write(t, webinar, groupStart)

	cal, err := ics.ParseCalendar(strings.NewReader(out))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, out)
	}
	evs := cal.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	e := evs[0]
	prop := func(e *ics.VEvent, p ics.ComponentProperty) string {
		if pr := e.GetProperty(p); pr != nil {
			return pr.Value
		}
		return ""
	}
	checks := map[string][2]string{
		"UID":           {prop(e, ics.ComponentPropertyUniqueId), webinar.UID},
		"SUMMARY":       {ics.FromText(prop(e, ics.ComponentPropertySummary)), webinar.Summary},
		"DESCRIPTION":   {ics.FromText(prop(e, ics.ComponentPropertyDescription)), strings.ReplaceAll(webinar.Description, "\r\n", "\n")},
		"LOCATION":      {ics.FromText(prop(e, ics.ComponentPropertyLocation)), webinar.Location},
		"URL":           {prop(e, ics.ComponentPropertyUrl), webinar.URL},
		"DTSTART":       {prop(e, ics.ComponentPropertyDtStart), "20261210T150000Z"},
		"DTEND":         {prop(e, ics.ComponentPropertyDtEnd), "20261210T163000Z"},
		"SEQUENCE":      {prop(e, ics.ComponentPropertySequence), "2"},
		"LAST-MODIFIED": {prop(e, ics.ComponentPropertyLastModified), "20261130T091500Z"},
		"DTSTAMP":       {prop(e, ics.ComponentPropertyDtstamp), "20261130T091500Z"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if start, err := e.GetStartAt(); err != nil || !start.Equal(webinar.Start) {
		t.Errorf("start %v, %v", start, err)
	}
	g := evs[1]
	if prop(g, ics.ComponentPropertyDtStart) != "20270112" || prop(g, ics.ComponentPropertyDtEnd) != "20270113" ||
		prop(g, ics.ComponentPropertyStatus) != "CANCELLED" || prop(g, ics.ComponentPropertyDtstamp) != "20261201T000000Z" {
		t.Errorf("all-day event: %s", out)
	}
	if !strings.Contains(out, "\r\nX-WR-CALNAME:Учёба: Экстерн\r\n") || !strings.Contains(out, "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n") {
		t.Errorf("calendar properties missing:\n%s", out)
	}
	// The same input writes the same bytes: ETags stay stable.
	if out != write(t, webinar, groupStart) {
		t.Error("output is not deterministic")
	}
}

func TestEscaping(t *testing.T) {
	out := write(t, ical.Event{UID: "x@h", Start: time.Unix(0, 0), Summary: "a,b;c\\d\ne\x01f"})
	if !strings.Contains(out, "\r\nSUMMARY:a\\,b\\;c\\\\d\\nef\r\n") {
		t.Errorf("escaping wrong:\n%q", out)
	}
}

func TestFoldingKeepsUTF8Whole(t *testing.T) {
	// Cyrillic letters are two octets and "€" three: fold points fall
	// inside sequences unless the writer avoids them.
	for _, summary := range []string{
		strings.Repeat("Ж", 200),
		"a" + strings.Repeat("Ж", 200),
		strings.Repeat("€ж", 90),
		strings.Repeat("x", 74),
	} {
		out := write(t, ical.Event{UID: "x@h", Start: time.Unix(0, 0), Summary: summary})
		lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
		for _, l := range lines {
			if len(l) > 75 {
				t.Errorf("line of %d octets: %q", len(l), l)
			}
			if !utf8.ValidString(l) {
				t.Errorf("line splits a UTF-8 sequence: %q", l)
			}
			if strings.ContainsAny(l, "\r\n") {
				t.Errorf("bare line break in %q", l)
			}
		}
		unfolded := strings.ReplaceAll(out, "\r\n ", "")
		if !strings.Contains(unfolded, "\r\nSUMMARY:"+summary+"\r\n") {
			t.Errorf("unfolding does not give the value back")
		}
		cal, err := ics.ParseCalendar(strings.NewReader(out))
		if err != nil || cal.Events()[0].GetProperty(ics.ComponentPropertySummary).Value != summary {
			t.Errorf("the library reads back another summary (%v)", err)
		}
	}
}

func TestInvalidEvents(t *testing.T) {
	for name, e := range map[string]ical.Event{
		"no uid":        {Start: time.Now()},
		"uid spaces":    {UID: "a b", Start: time.Now()},
		"no start":      {UID: "a"},
		"ends earlier":  {UID: "a", Start: time.Now(), End: time.Now().Add(-time.Hour)},
		"negative seq.": {UID: "a", Start: time.Now(), Sequence: -1},
	} {
		if err := ical.Write(&bytes.Buffer{}, ical.Calendar{}, []ical.Event{e}); !errors.Is(err, ical.ErrInvalidEvent) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
