package seed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/learning"
	"github.com/kabinet-edu/kabinet/internal/markdown"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// DemoLearning gives three demo programs their content (modules; text,
// video, file, webinar and test lessons; run it after Catalog) and admits
// the demo learner and the first applicant to their running groups, with
// the first lessons of the first program completed. Idempotent: a program
// that has modules keeps them, an admitted learner is left alone.
func DemoLearning(ctx context.Context, pool *pgxpool.Pool, blobs *blob.Store, now time.Time) error {
	q := db.New(pool)
	org, err := q.GetOrganizationBySlug(ctx, DemoOrgSlug)
	if err != nil {
		return fmt.Errorf("demo organization: %w", err)
	}
	md := markdown.New()
	var learners []db.User
	for _, email := range []string{DemoUsers[4].Email, DemoApplicants[0].Email} {
		u, err := q.GetUserByEmail(ctx, email)
		if err != nil {
			return fmt.Errorf("demo learner %s (run DemoApplications first): %w", email, err)
		}
		learners = append(learners, u)
	}
	for _, slug := range []string{"pedagogicheskaya-deyatelnost-fgos", "klassnyy-rukovoditel", "psihologiya-obucheniya"} {
		prog, err := q.GetProgramBySlug(ctx, db.GetProgramBySlugParams{OrganizationID: org.ID, Slug: slug})
		if errors.Is(err, pgx.ErrNoRows) {
			continue // the catalog was edited by hand
		}
		if err != nil {
			return err
		}
		if err := demoProgramContent(ctx, pool, blobs, md, prog, demoContent[slug], now); err != nil {
			return fmt.Errorf("demo content %s: %w", slug, err)
		}
		group, err := runningGroup(ctx, q, prog)
		if err != nil {
			return err
		}
		for _, u := range learners {
			if err := admit(ctx, pool, u, group, now); err != nil {
				return fmt.Errorf("demo admission %s: %w", u.Email, err)
			}
		}
	}
	return demoCompletions(ctx, pool, org, learners[0], now)
}

func demoProgramContent(ctx context.Context, pool *pgxpool.Pool, blobs *blob.Store, md *markdown.Renderer, prog db.Program, modules []demoModule, now time.Time) error {
	q := db.New(pool)
	if n, err := q.CountModules(ctx, prog.ID); err != nil || n > 0 {
		return err
	}
	return store.InTx(ctx, pool, func(q *db.Queries) error {
		for _, dm := range modules {
			m, err := q.CreateModule(ctx, db.CreateModuleParams{OrganizationID: prog.OrganizationID, ProgramID: prog.ID, Title: dm.Title, Description: dm.Description})
			if err != nil {
				return err
			}
			for _, dl := range dm.Lessons {
				html, err := md.Render(dl.Body)
				if err != nil {
					return err
				}
				in := db.CreateLessonParams{OrganizationID: prog.OrganizationID, ProgramID: prog.ID, ModuleID: m.ID, Kind: dl.Kind,
					Title: dl.Title, Mandatory: !dl.Optional, Final: dl.Final, AfterPrevious: dl.AfterPrevious, BodyMd: dl.Body, BodyHtml: html}
				if dl.OpensInDays > 0 {
					at := now.AddDate(0, 0, dl.OpensInDays).UTC()
					in.OpensAt = &at
				}
				if dl.VideoURL != "" {
					in.VideoUrl = &dl.VideoURL
				}
				if dl.Kind == db.LessonKindWebinar {
					start := now.UTC().Truncate(time.Hour).Add(time.Duration(dl.WebinarInH) * time.Hour)
					join := "https://webinar.example.org/room/" + prog.Slug
					in.WebinarStartsAt, in.WebinarMinutes, in.WebinarJoinUrl = &start, pgtype.Int4{Int32: dl.WebinarMin, Valid: true}, &join
					if dl.Recording != "" {
						in.WebinarRecordingUrl = &dl.Recording
					}
				}
				l, err := q.CreateLesson(ctx, in)
				if err != nil {
					return err
				}
				if dl.FileName != "" {
					if err := demoLessonFile(ctx, q, blobs, l, dl); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// demoLessonFile stores a one-page PDF for a file lesson.
func demoLessonFile(ctx context.Context, q *db.Queries, blobs *blob.Store, l db.Lesson, dl demoLesson) error {
	obj, err := blobs.Upload(ctx, bytes.NewReader(tinyPDF()), blob.UploadOptions{
		Prefix: "lessons/" + l.ProgramID.String(), MaxSize: 1 << 20, Allowed: []string{blob.TypePDF},
	})
	if err != nil {
		return err
	}
	name := dl.FileName
	_, err = q.SetLessonFile(ctx, db.SetLessonFileParams{ProgramID: l.ProgramID, ID: l.ID, Version: l.Version, FileKey: &obj.Key,
		FileName: &name, FileContentType: &obj.ContentType, FileSize: pgtype.Int8{Int64: obj.Size, Valid: true}, FileSha256: &obj.SHA256})
	return err
}

// runningGroup is the program's running group (the catalog seed makes one
// that started a week ago), or a new one that started two weeks ago.
func runningGroup(ctx context.Context, q *db.Queries, prog db.Program) (db.StudyGroup, error) {
	groups, err := q.ListProgramGroups(ctx, db.ListProgramGroupsParams{OrganizationID: prog.OrganizationID, ProgramID: prog.ID})
	if err != nil {
		return db.StudyGroup{}, err
	}
	for _, g := range groups {
		if g.Status == db.GroupStatusRunning {
			return g, nil
		}
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	return q.CreateGroup(ctx, db.CreateGroupParams{OrganizationID: prog.OrganizationID, ProgramID: prog.ID, Code: "LRN-DEMO",
		Title: "Текущий поток", StartsOn: pgtype.Date{Time: today.AddDate(0, 0, -14), Valid: true},
		EndsOn: pgtype.Date{Time: today.AddDate(0, 1, 0), Valid: true}, Status: db.GroupStatusRunning})
}

// admit records u's approved application to g (submitted and approved a
// few days before now, a seat taken) unless u applied to g already.
func admit(ctx context.Context, pool *pgxpool.Pool, u db.User, g db.StudyGroup, now time.Time) error {
	return store.InTx(ctx, pool, func(q *db.Queries) error {
		n, err := q.CountUserGroupApplications(ctx, db.CountUserGroupApplicationsParams{UserID: u.ID, GroupID: g.ID})
		if err != nil || n > 0 {
			return err
		}
		if err := q.AddMembership(ctx, db.AddMembershipParams{OrganizationID: g.OrganizationID, UserID: u.ID, Role: db.MemberRoleLearner}); err != nil {
			return err
		}
		a, err := q.CreateApplication(ctx, db.CreateApplicationParams{OrganizationID: g.OrganizationID, ProgramID: g.ProgramID, GroupID: g.ID, UserID: u.ID})
		if err != nil {
			return err
		}
		version := "2026-01"
		submitted := now.AddDate(0, 0, -10)
		if err := q.SetApplicationConsent(ctx, db.SetApplicationConsentParams{ID: a.ID, PolicyVersion: &version, At: submitted}); err != nil {
			return err
		}
		prev := db.ApplicationStatusDraft
		if _, err := q.SetApplicationStatus(ctx, db.SetApplicationStatusParams{ID: a.ID, Status: db.ApplicationStatusSubmitted, Now: submitted}); err != nil {
			return err
		}
		if _, err := q.SetApplicationStatus(ctx, db.SetApplicationStatusParams{ID: a.ID, Status: db.ApplicationStatusApproved, Now: now.AddDate(0, 0, -9)}); err != nil {
			return err
		}
		for _, ev := range []struct {
			name string
			to   db.ApplicationStatus
		}{{"created", db.ApplicationStatusDraft}, {"submitted", db.ApplicationStatusSubmitted}, {"approved", db.ApplicationStatusApproved}} {
			from := db.NullApplicationStatus{ApplicationStatus: prev, Valid: ev.name != "created"}
			if _, err := q.AddApplicationEvent(ctx, db.AddApplicationEventParams{ApplicationID: a.ID, Event: ev.name, FromStatus: from,
				ToStatus: db.NullApplicationStatus{ApplicationStatus: ev.to, Valid: true}}); err != nil {
				return err
			}
			prev = ev.to
		}
		return q.TakeRunningGroupSeat(ctx, g.ID)
	})
}

// demoCompletions completes the first two lessons of the first program
// for the demo learner (a day apart), once.
func demoCompletions(ctx context.Context, pool *pgxpool.Pool, org db.Organization, u db.User, now time.Time) error {
	q := db.New(pool)
	prog, err := q.GetProgramBySlug(ctx, db.GetProgramBySlugParams{OrganizationID: org.ID, Slug: "pedagogicheskaya-deyatelnost-fgos"})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	rows, err := q.ProgramLessonsInOrder(ctx, prog.ID)
	if err != nil || len(rows) < 2 {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for i, r := range rows[:2] {
			if _, err := learning.CompleteLesson(ctx, tx, nil, u.ID, prog.ID, r.ID, learning.SourceManual, now.AddDate(0, 0, i-3)); err != nil {
				return err
			}
		}
		return db.New(tx).TouchLearningProgress(ctx, db.TouchLearningProgressParams{UserID: u.ID, ProgramID: prog.ID, At: now.AddDate(0, 0, -2), LessonID: &rows[1].ID})
	})
}

// tinyPDF is a valid one-page PDF handout (Helvetica has no Cyrillic, so
// its line is in English; the lesson's file name is Russian).
func tinyPDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
		"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n" +
		"4 0 obj<</Length 59>>stream\nBT /F1 18 Tf 72 760 Td (Kabinet demo: lesson handout) Tj ET\nendstream endobj\n" +
		"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
}
