package calendar_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// fetch GETs a feed URL (no bearer: the URL is the credential).
func fetch(t *testing.T, env *apitest.Env, feedURL, ifNoneMatch string) (*http.Response, string) {
	t.Helper()
	path := feedURL[strings.Index(feedURL, "/api/v1/"):]
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, env.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	res, err := env.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func vevent(t *testing.T, body, uid string) *ics.VEvent {
	t.Helper()
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, body)
	}
	for _, e := range cal.Events() {
		if e.Id() == uid {
			return e
		}
	}
	t.Fatalf("no event %s in\n%s", uid, body)
	return nil
}

func prop(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

// The private feed: issued, parsed by a calendar library, stable across
// fetches, conditional, updated when a webinar moves, dead after rotation
// and revocation.
func TestFeed(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "cal-feed-"+apitest.Itoa(apitest.Seq.Add(1)))
	c := newCourse(t, env, o.ID, "running", -3, 30)
	me := learner(t, env)
	enroll(t, env, c, me.User.ID)
	at := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Minute)
	w := webinar(t, env, c, "Вебинар; о дробях, процентах", at, 60)
	as := apitest.Bearer(me.AccessToken)

	st, _ := env.Client.GetMyCalendarFeedWithResponse(ctx, as)
	if st.JSON200 == nil || st.JSON200.Active {
		t.Fatalf("before issuing: %s", st.Body)
	}
	iss, err := env.Client.IssueMyCalendarFeedWithResponse(ctx, as)
	if err != nil || iss.JSON201 == nil || !strings.HasSuffix(iss.JSON201.URL, ".ics") || !strings.HasPrefix(iss.JSON201.WebcalURL, "webcal://") {
		t.Fatalf("issue: %v %s", err, iss.Body)
	}
	feed := iss.JSON201.URL

	res, body := fetch(t, env, feed, "")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") ||
		!strings.HasPrefix(body, "BEGIN:VCALENDAR\r\n") || !strings.Contains(body, "\r\nX-WR-TIMEZONE:Europe/Moscow\r\n") ||
		!strings.Contains(body, "\r\nX-WR-CALNAME:") || !strings.Contains(res.Header.Get("Cache-Control"), "private") {
		t.Fatalf("feed: %d %v\n%s", res.StatusCode, res.Header, body)
	}
	uid := "webinar-" + w.String() + "@" + hostOf(t, env)
	e := vevent(t, body, uid)
	if prop(e, ics.ComponentPropertySequence) != "0" || prop(e, ics.ComponentPropertyDtStart) != at.Format("20060102T150405Z") ||
		ics.FromText(prop(e, ics.ComponentPropertySummary)) != "Вебинар: Вебинар; о дробях, процентах" ||
		prop(e, ics.ComponentPropertyLocation) != "https://meet.example.org/j/42" {
		t.Fatalf("webinar event:\n%s", body)
	}
	g := vevent(t, body, "group-start-"+c.group.String()+"@"+hostOf(t, env))
	if !strings.Contains(body, "DTSTART;VALUE=DATE:") || len(prop(g, ics.ComponentPropertyDtStart)) != 8 {
		t.Fatalf("all-day event:\n%s", body)
	}
	etag := res.Header.Get("ETag")

	// The same feed again: the same bytes, and 304 for the ETag.
	res2, body2 := fetch(t, env, feed, "")
	if body2 != body || res2.Header.Get("ETag") != etag {
		t.Fatal("two fetches differ")
	}
	if res3, _ := fetch(t, env, feed, etag); res3.StatusCode != 304 || res3.Header.Get("ETag") != etag {
		t.Fatalf("If-None-Match: %d", res3.StatusCode)
	}

	// The webinar moves: same UID, higher SEQUENCE, a new ETag.
	moveWebinar(t, env, w, at.Add(time.Hour))
	res4, body4 := fetch(t, env, feed, etag)
	if res4.StatusCode != 200 || res4.Header.Get("ETag") == etag {
		t.Fatalf("after the move: %d", res4.StatusCode)
	}
	moved := vevent(t, body4, uid)
	if prop(moved, ics.ComponentPropertySequence) != "1" || prop(moved, ics.ComponentPropertyDtStart) != at.Add(time.Hour).Format("20060102T150405Z") {
		t.Fatalf("moved webinar:\n%s", body4)
	}

	st, _ = env.Client.GetMyCalendarFeedWithResponse(ctx, as)
	if st.JSON200 == nil || !st.JSON200.Active || st.JSON200.LastUsedAt == nil {
		t.Fatalf("status after use: %s", st.Body)
	}

	// Rotation: the old URL is dead at once, the new one works.
	rot, _ := env.Client.IssueMyCalendarFeedWithResponse(ctx, as)
	if rot.JSON201 == nil || rot.JSON201.URL == feed {
		t.Fatalf("rotate: %s", rot.Body)
	}
	if r, b := fetch(t, env, feed, ""); r.StatusCode != 404 {
		t.Fatalf("old URL after rotation: %d %s", r.StatusCode, b)
	} else {
		apitest.ProblemOf(t, r.StatusCode, r.Header, []byte(b), 404, "not_found")
	}
	if r, _ := fetch(t, env, rot.JSON201.URL, ""); r.StatusCode != 200 {
		t.Fatalf("new URL: %d", r.StatusCode)
	}
	// Revocation.
	if rv, _ := env.Client.RevokeMyCalendarFeedWithResponse(ctx, as); rv.StatusCode() != 204 {
		t.Fatalf("revoke: %d", rv.StatusCode())
	}
	if r, _ := fetch(t, env, rot.JSON201.URL, ""); r.StatusCode != 404 {
		t.Fatalf("revoked URL: %d", r.StatusCode)
	}
	st, _ = env.Client.GetMyCalendarFeedWithResponse(ctx, as)
	if st.JSON200 == nil || st.JSON200.Active {
		t.Fatalf("after revoking: %s", st.Body)
	}
	// Junk tokens and names.
	for _, name := range []string{"kcal_NOTATOKEN.ics", "nothing", strings.TrimSuffix(rot.JSON201.URL[strings.LastIndex(rot.JSON201.URL, "/")+1:], ".ics")} {
		if r, _ := fetch(t, env, "/api/v1/calendar/feeds/"+name, ""); r.StatusCode != 404 {
			t.Errorf("%s: %d", name, r.StatusCode)
		}
	}
}
