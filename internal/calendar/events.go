package calendar

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/ical"
	"github.com/kabinet-edu/kabinet/internal/learning"
	"github.com/kabinet-edu/kabinet/internal/money"
)

// event is one calendar entry in both of its forms.
type event struct {
	api  api.CalendarEvent
	ical ical.Event
}

// owner is what the calendar needs of its user.
type owner struct {
	timeZone, locale string
}

func (o owner) text(ru, en string) string {
	if o.locale == "en" {
		return en
	}
	return ru
}

// events collects userID's events in [from, to), ordered by start then id.
func (h *Handler) events(ctx context.Context, q *db.Queries, userID uuid.UUID, from, to time.Time) ([]event, owner, error) {
	row, err := q.CalendarOwner(ctx, userID)
	if err != nil {
		return nil, owner{}, err
	}
	o := owner{timeZone: row.TimeZone, locale: row.Locale}
	groups, err := q.CalendarGroups(ctx, userID)
	if err != nil {
		return nil, o, err
	}
	var out []event
	titles := map[uuid.UUID]string{}
	var open []uuid.UUID // programs with access: their lessons are in the calendar
	for _, g := range groups {
		if _, seen := titles[g.ProgramID]; !seen {
			titles[g.ProgramID] = g.ProgramTitle
			if g.Status == db.GroupStatusRunning || g.Status == db.GroupStatusFinished {
				ok, err := learning.Access(ctx, q, userID, g.ProgramID)
				if err != nil {
					return nil, o, err
				}
				if ok {
					open = append(open, g.ProgramID)
				}
			}
		}
		out = append(out, h.groupDay(o, g, "group-start", api.CalendarEventKindGroupStart, g.StartsOn, from, to)...)
		out = append(out, h.groupDay(o, g, "group-end", api.CalendarEventKindGroupEnd, g.EndsOn, from, to)...)
	}
	if len(open) > 0 {
		lessons, err := q.CalendarLessons(ctx, db.CalendarLessonsParams{ProgramIds: open, FromAt: &from, ToAt: &to})
		if err != nil {
			return nil, o, err
		}
		for _, l := range lessons {
			out = append(out, h.lessonEvents(o, l, titles[l.ProgramID], from, to)...)
		}
	}
	parts, err := q.CalendarInstallments(ctx, db.CalendarInstallmentsParams{
		UserID: userID, FromOn: pgtype.Date{Time: day(from), Valid: true}, ToOn: pgtype.Date{Time: day(to), Valid: true},
	})
	if err != nil {
		return nil, o, err
	}
	for _, p := range parts {
		out = append(out, h.installment(o, p, from, to)...)
	}
	slices.SortFunc(out, func(a, b event) int {
		if c := a.api.Start.Compare(b.api.Start); c != 0 {
			return c
		}
		return strings.Compare(a.api.ID, b.api.ID)
	})
	return out, o, nil
}

func day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// overlaps reports whether [start, end) meets [from, to); a moment (end ==
// start) meets it when it falls inside.
func overlaps(start, end, from, to time.Time) bool {
	if end.Equal(start) {
		return !start.Before(from) && start.Before(to)
	}
	return end.After(from) && start.Before(to)
}

func seq(version int32) int { return max(int(version)-1, 0) }

// make fills the fields both forms share.
func (h *Handler) make(id string, kind api.CalendarEventKind, title string, start, end time.Time, allDay bool,
	version int32, updated time.Time, org, program uuid.UUID, programTitle, path string) event {
	e := event{
		api: api.CalendarEvent{
			ID: id, UID: id + "@" + h.host, Kind: kind, Title: title, Start: start.UTC(), End: end.UTC(), AllDay: allDay,
			Sequence: seq(version), UpdatedAt: updated.UTC(), OrganizationID: org, ProgramID: program, ProgramTitle: programTitle,
			URL: h.base + path,
		},
		ical: ical.Event{
			UID: id + "@" + h.host, Start: start, End: end, AllDay: allDay, Summary: title, URL: h.base + path,
			Sequence: seq(version), LastModified: updated.UTC().Truncate(time.Second), Description: programTitle,
		},
	}
	if allDay {
		e.api.Date = &openapi_types.Date{Time: start.UTC()}
	}
	return e
}

func (h *Handler) groupDay(o owner, g db.CalendarGroupsRow, prefix string, kind api.CalendarEventKind, on pgtype.Date, from, to time.Time) []event {
	if !on.Valid {
		return nil
	}
	start := day(on.Time)
	end := start.AddDate(0, 0, 1)
	if !overlaps(start, end, from, to) {
		return nil
	}
	title := o.text("Начало обучения: ", "Classes start: ") + g.ProgramTitle
	if kind == api.CalendarEventKindGroupEnd {
		title = o.text("Окончание обучения: ", "Classes end: ") + g.ProgramTitle
	}
	e := h.make(prefix+"-"+g.GroupID.String(), kind, title, start, end, true, g.Version, g.UpdatedAt,
		g.OrganizationID, g.ProgramID, g.ProgramTitle, "/learning/programs/"+g.ProgramID.String())
	e.api.GroupID = &g.GroupID
	e.ical.Description = g.ProgramTitle + " (" + g.Code + ")"
	return []event{e}
}

func (h *Handler) lessonEvents(o owner, l db.CalendarLessonsRow, programTitle string, from, to time.Time) []event {
	path := "/learning/programs/" + l.ProgramID.String() + "/lessons/" + l.ID.String()
	var out []event
	if l.Kind == db.LessonKindWebinar && l.WebinarStartsAt != nil && l.WebinarMinutes.Valid {
		start := *l.WebinarStartsAt
		end := start.Add(time.Duration(l.WebinarMinutes.Int32) * time.Minute)
		if overlaps(start, end, from, to) {
			e := h.make("webinar-"+l.ID.String(), api.CalendarEventKindWebinar, o.text("Вебинар: ", "Webinar: ")+l.Title, start, end, false,
				l.Version, l.UpdatedAt, l.OrganizationID, l.ProgramID, programTitle, path)
			e.api.LessonID = &l.ID
			if l.WebinarJoinUrl != nil && *l.WebinarJoinUrl != "" {
				e.api.JoinURL = l.WebinarJoinUrl
				e.ical.Location = *l.WebinarJoinUrl
				e.ical.Description = programTitle + "\n" + o.text("Подключиться: ", "Join: ") + *l.WebinarJoinUrl
			}
			out = append(out, e)
		}
	}
	if l.DueAt != nil && overlaps(*l.DueAt, *l.DueAt, from, to) {
		title := o.text("Срок сдачи: ", "Due: ") + l.Title
		if l.Kind == db.LessonKindTest {
			title = o.text("Срок сдачи теста: ", "Test due: ") + l.Title
		}
		e := h.make("deadline-"+l.ID.String(), api.CalendarEventKindDeadline, title, *l.DueAt, *l.DueAt, false,
			l.Version, l.UpdatedAt, l.OrganizationID, l.ProgramID, programTitle, path)
		e.api.LessonID = &l.ID
		out = append(out, e)
	}
	return out
}

func (h *Handler) installment(o owner, p db.CalendarInstallmentsRow, from, to time.Time) []event {
	if !p.DueOn.Valid {
		return nil
	}
	start := day(p.DueOn.Time)
	end := start.AddDate(0, 0, 1)
	if !overlaps(start, end, from, to) {
		return nil
	}
	n := strconv.Itoa(int(p.Number))
	title := o.text("Платёж по рассрочке № ", "Installment no. ") + n + ": " + money.Format(p.Amount, p.Currency)
	e := h.make("installment-"+p.OrderID.String()+"-"+n, api.CalendarEventKindInstallment, title, start, end, true, 1, p.UpdatedAt,
		p.OrganizationID, p.ProgramID, p.ProgramTitle, "/orders/"+p.OrderID.String())
	e.api.OrderID, e.api.AmountMinor, e.api.Currency = &p.OrderID, &p.Amount, &p.Currency
	return []event{e}
}
