package seed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/markdown"
	"github.com/kabinet-edu/kabinet/internal/quiz"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// demoTestProgram is the demo program whose final test gets a bank.
const demoTestProgram = "pedagogicheskaya-deyatelnost-fgos"

// demoTestSettings are the rules of the demo final test (as the assessment
// domain stores them in assessment_tests.settings; its close date is the
// lesson's due_at).
var demoTestSettings = quiz.Settings{
	TimeLimit: 20 * time.Minute, Grace: 10 * time.Second, AttemptLimit: 2, PassingScore: 70,
	ShuffleQuestions: true, ShuffleOptions: true, Review: quiz.AfterSubmission,
}

const demoTestBody = "8 вопросов по материалам программы, 20 минут, две попытки. Проходной балл — 70 %.\n\n" +
	"Разбор ответов открывается сразу после отправки попытки. Сдать тест нужно до срока, указанного в календаре."

// DemoAssessment gives the final test of the first demo program (run it
// after DemoLearning) its question bank, its settings and a close date two
// weeks ahead, and the demo learner one failed attempt, submitted two days
// before now. Idempotent: a bank, settings or attempts that exist are kept.
func DemoAssessment(ctx context.Context, pool *pgxpool.Pool, now time.Time) error {
	q := db.New(pool)
	org, err := q.GetOrganizationBySlug(ctx, DemoOrgSlug)
	if err != nil {
		return fmt.Errorf("demo organization: %w", err)
	}
	prog, err := q.GetProgramBySlug(ctx, db.GetProgramBySlugParams{OrganizationID: org.ID, Slug: demoTestProgram})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	lesson, err := finalTestLesson(ctx, q, prog)
	if err != nil || lesson.ID == [16]byte{} {
		return err
	}
	learner, err := q.GetUserByEmail(ctx, DemoUsers[4].Email)
	if err != nil {
		return err
	}
	return store.InTx(ctx, pool, func(q *db.Queries) error {
		if err := demoBank(ctx, q, prog); err != nil {
			return err
		}
		if lesson, err = demoTestRules(ctx, q, lesson, now); err != nil {
			return err
		}
		return demoAttempt(ctx, q, lesson, learner, now)
	})
}

// finalTestLesson is the program's final lesson of kind test (zero when it
// has none: the content was edited by hand).
func finalTestLesson(ctx context.Context, q *db.Queries, prog db.Program) (db.Lesson, error) {
	rows, err := q.ProgramLessonsInOrder(ctx, prog.ID)
	if err != nil {
		return db.Lesson{}, err
	}
	for _, r := range rows {
		if r.Kind == db.LessonKindTest && r.Final {
			return q.GetLesson(ctx, db.GetLessonParams{ProgramID: prog.ID, ID: r.ID})
		}
	}
	return db.Lesson{}, nil
}

// demoBank stores the demo questions, validated by the engine, in the
// program's bank unless it has questions.
func demoBank(ctx context.Context, q *db.Queries, prog db.Program) error {
	if rows, err := q.ProgramBank(ctx, prog.ID); err != nil || len(rows) > 0 {
		return err
	}
	for i, d := range demoFinalTest {
		qq := d.Q
		qq.ID = fmt.Sprintf("demo-%d", i+1)
		if err := qq.Validate(); err != nil {
			return fmt.Errorf("demo question %d: %w", i+1, err)
		}
		stored := qq
		stored.ID, stored.Type, stored.Tag = "", "", ""
		body, err := json.Marshal(stored)
		if err != nil {
			return err
		}
		if _, err := q.CreateBankQuestion(ctx, db.CreateBankQuestionParams{OrganizationID: prog.OrganizationID, ProgramID: prog.ID,
			Type: string(qq.Type), Tag: qq.Tag, Body: body}); err != nil {
			return err
		}
	}
	return nil
}

// demoTestRules writes the test's settings (once) and, when the lesson has
// no close date yet, sets it two weeks from now with the rules in its text.
func demoTestRules(ctx context.Context, q *db.Queries, l db.Lesson, now time.Time) (db.Lesson, error) {
	raw, err := json.Marshal(demoTestSettings)
	if err != nil {
		return l, err
	}
	_, err = q.CreateAssessmentTest(ctx, db.CreateAssessmentTestParams{LessonID: l.ID, OrganizationID: l.OrganizationID, ProgramID: l.ProgramID, Settings: raw})
	if err != nil && !errors.Is(err, pgx.ErrNoRows) { // no row: the settings exist
		return l, err
	}
	if l.DueAt != nil {
		return l, nil
	}
	html, err := markdown.New().Render(demoTestBody)
	if err != nil {
		return l, err
	}
	due := now.UTC().Truncate(time.Hour).AddDate(0, 0, 14).Add(18 * time.Hour)
	return q.UpdateLesson(ctx, db.UpdateLessonParams{Title: l.Title, Mandatory: l.Mandatory, Final: l.Final, OpensAt: l.OpensAt,
		OpensAfterDays: l.OpensAfterDays, AfterPrevious: l.AfterPrevious, DueAt: &due, BodyMd: demoTestBody, BodyHtml: html,
		VideoUrl: l.VideoUrl, WebinarStartsAt: l.WebinarStartsAt, WebinarMinutes: l.WebinarMinutes, WebinarJoinUrl: l.WebinarJoinUrl,
		WebinarRecordingUrl: l.WebinarRecordingUrl, ProgramID: l.ProgramID, ID: l.ID, Version: l.Version})
}

// demoAttempt records the learner's first attempt, started two days before
// now and submitted 14 minutes later with the answers of demoFinalTest,
// graded by the engine the way the assessment domain grades it — unless
// the learner has attempted the test already.
func demoAttempt(ctx context.Context, q *db.Queries, l db.Lesson, u db.User, now time.Time) error {
	n, err := q.CountTestAttempts(ctx, db.CountTestAttemptsParams{LessonID: l.ID, UserID: u.ID})
	if err != nil || n > 0 {
		return err
	}
	rows, err := q.ProgramBank(ctx, l.ProgramID)
	if err != nil {
		return err
	}
	qs := make([]quiz.Question, 0, len(rows))
	answers := map[string]quiz.Answer{}
	for _, r := range rows {
		var qq quiz.Question
		if err := json.Unmarshal(r.Body, &qq); err != nil {
			return err
		}
		qq.ID, qq.Type, qq.Tag = r.ID.String(), quiz.Type(r.Type), r.Tag
		qs = append(qs, qq)
		for _, d := range demoFinalTest {
			if d.Q.Prompt == qq.Prompt {
				answers[qq.ID] = d.Answer
			}
		}
	}
	bank, err := quiz.NewBank(qs)
	if err != nil {
		return err
	}
	settings := demoTestSettings
	settings.CloseAt = l.DueAt
	started := now.Add(-48 * time.Hour).UTC().Truncate(time.Second)
	a, err := quiz.Start(&settings, bank, 0, quiz.NewSeed(), started)
	if err != nil {
		return err
	}
	for i, id := range a.QuestionIDs {
		if ans, ok := answers[id]; ok {
			if err := a.SaveAnswer(bank, id, ans, started.Add(time.Duration(i+1)*time.Minute)); err != nil {
				return fmt.Errorf("demo answer: %w", err)
			}
		}
	}
	res, err := a.Submit(&settings, bank, started.Add(14*time.Minute))
	if err != nil {
		return err
	}
	drawn := make([]quiz.Question, 0, len(a.QuestionIDs))
	for _, id := range a.QuestionIDs {
		qq, _ := bank.Question(id)
		drawn = append(drawn, *qq)
	}
	snapshot, err := json.Marshal(drawn)
	if err != nil {
		return err
	}
	rawSettings, err := json.Marshal(settings)
	if err != nil {
		return err
	}
	row, err := q.CreateAttempt(ctx, db.CreateAttemptParams{OrganizationID: l.OrganizationID, ProgramID: l.ProgramID, LessonID: l.ID,
		UserID: u.ID, Number: int32(a.Number), Seed: a.Seed, QuestionIds: a.QuestionIDs, Questions: snapshot, Settings: rawSettings,
		StartedAt: a.StartedAt, Deadline: a.Deadline, GraceMs: a.Grace.Milliseconds()})
	if err != nil {
		return err
	}
	for i, id := range a.QuestionIDs {
		ans, ok := a.Answers[id]
		if !ok {
			continue
		}
		raw, err := json.Marshal(ans)
		if err != nil {
			return err
		}
		if _, err := q.SaveAttemptAnswer(ctx, db.SaveAttemptAnswerParams{Answer: raw, QuestionID: id, ID: row.ID, UserID: u.ID,
			Now: started.Add(time.Duration(i+1) * time.Minute)}); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, err = q.CloseAttempt(ctx, db.CloseAttemptParams{ID: row.ID, Status: string(a.Status), ClosedAt: a.ClosedAt, Result: raw,
		Score: pgtype.Float8{Float64: res.Score, Valid: true}, MaxScore: pgtype.Float8{Float64: res.Max, Valid: true},
		Percent: pgtype.Float8{Float64: res.Percent, Valid: true}, Passed: pgtype.Bool{Bool: res.Passed, Valid: true}})
	return err
}
