package learning

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// draft is a lesson's editable state: an existing row with a change
// applied, or a new lesson; it is checked as a whole before it is written.
type draft struct {
	kind         db.LessonKind
	title        string
	mandatory    bool
	final        bool
	schedule     api.LessonSchedule
	bodyMd       string
	videoURL     *string
	webinar      *api.LessonWebinar
	bodyChanged  bool
	renderedHTML string
}

// draftOf is the state of an existing lesson.
func draftOf(l db.Lesson) draft {
	d := draft{kind: l.Kind, title: l.Title, mandatory: l.Mandatory, final: l.Final, bodyMd: l.BodyMd,
		renderedHTML: l.BodyHtml, videoURL: l.VideoUrl, schedule: scheduleDTO(l)}
	if l.WebinarStartsAt != nil {
		d.webinar = &api.LessonWebinar{StartsAt: l.WebinarStartsAt.UTC(), DurationMinutes: int(l.WebinarMinutes.Int32),
			JoinURL: l.WebinarJoinUrl, RecordingURL: l.WebinarRecordingUrl}
	}
	return d
}

// apply takes the fields given (nil: unchanged); schedule and webinar are
// replaced as a whole.
func (d *draft) apply(title *string, mandatory, final *bool, schedule *api.LessonSchedule, body, video *string, webinar *api.LessonWebinar) {
	if title != nil {
		d.title = strings.TrimSpace(*title)
	}
	if mandatory != nil {
		d.mandatory = *mandatory
	}
	if final != nil {
		d.final = *final
	}
	if schedule != nil {
		d.schedule = *schedule
	}
	if body != nil {
		d.bodyMd, d.bodyChanged = *body, true
	}
	if video != nil {
		v := strings.TrimSpace(*video)
		d.videoURL = &v
	}
	if webinar != nil {
		d.webinar = webinar
	}
}

// check returns what the combination breaks, by field: a blank title; a
// video link only for (and required by) a video lesson, a webinar likewise;
// https links; final only for a test lesson.
func (d *draft) check() []api.FieldError {
	var f []api.FieldError
	if d.title == "" {
		f = append(f, web.FieldError("title", "required", "must not be blank"))
	}
	switch {
	case d.kind == db.LessonKindVideo && (d.videoURL == nil || *d.videoURL == ""):
		f = append(f, web.FieldError("videoUrl", "required", "a video lesson needs its link"))
	case d.kind != db.LessonKindVideo && d.videoURL != nil:
		f = append(f, web.FieldError("videoUrl", "not_allowed", "only a video lesson has a video link"))
	case d.videoURL != nil && !httpsURL(*d.videoURL):
		f = append(f, web.FieldError("videoUrl", "invalid_url", "must be an https link"))
	}
	switch {
	case d.kind == db.LessonKindWebinar && d.webinar == nil:
		f = append(f, web.FieldError("webinar", "required", "a webinar lesson needs its start and duration"))
	case d.kind != db.LessonKindWebinar && d.webinar != nil:
		f = append(f, web.FieldError("webinar", "not_allowed", "only a webinar lesson has a webinar"))
	case d.webinar != nil:
		if d.webinar.JoinURL != nil && !httpsURL(*d.webinar.JoinURL) {
			f = append(f, web.FieldError("webinar.joinUrl", "invalid_url", "must be an https link"))
		}
		if d.webinar.RecordingURL != nil && !httpsURL(*d.webinar.RecordingURL) {
			f = append(f, web.FieldError("webinar.recordingUrl", "invalid_url", "must be an https link"))
		}
	}
	if d.final && d.kind != db.LessonKindTest {
		f = append(f, web.FieldError("final", "not_a_test", "only a test lesson can be the final attestation"))
	}
	return f
}

// render makes the sanitized HTML of a changed body.
func (s *Handler) render(ctx context.Context, d *draft) error {
	if !d.bodyChanged {
		return nil
	}
	html, err := s.md.Render(d.bodyMd)
	if err != nil {
		return invalid(ctx, web.FieldError("bodyMd", "invalid_markdown", "cannot be rendered"))
	}
	d.renderedHTML = html
	return nil
}

func httpsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}

// columns are the draft in the table's terms.
func (d *draft) columns() (opensAt *time.Time, opensAfter pgtype.Int4, after bool, due *time.Time,
	wStart *time.Time, wMinutes pgtype.Int4, wJoin, wRec *string) {
	opensAt, due = utc(d.schedule.OpensAt), utc(d.schedule.DueAt)
	if d.schedule.OpensAfterDays != nil {
		opensAfter = pgtype.Int4{Int32: int32(*d.schedule.OpensAfterDays), Valid: true}
	}
	after = d.schedule.AfterPrevious != nil && *d.schedule.AfterPrevious
	if w := d.webinar; w != nil {
		t := w.StartsAt.UTC()
		wStart, wMinutes, wJoin, wRec = &t, pgtype.Int4{Int32: int32(w.DurationMinutes), Valid: true}, w.JoinURL, w.RecordingURL
	}
	return
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func scheduleDTO(l db.Lesson) api.LessonSchedule {
	s := api.LessonSchedule{OpensAt: utc(l.OpensAt), DueAt: utc(l.DueAt)}
	if l.OpensAfterDays.Valid {
		n := int(l.OpensAfterDays.Int32)
		s.OpensAfterDays = &n
	}
	if l.AfterPrevious {
		s.AfterPrevious = &l.AfterPrevious
	}
	return s
}
