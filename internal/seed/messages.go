package seed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/markdown"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// demoThread is the demo learner's conversation with the teacher of the
// first demo program: the last message, the teacher's, is unread.
var demoThread = []struct {
	fromStaff bool
	body      string
}{
	{false, "Татьяна Викторовна, здравствуйте! Подскажите, пожалуйста, можно ли в рабочей программе объединить две темы в один урок?"},
	{true, "Здравствуйте, Лев! Можно, если планируемые результаты обеих тем достигаются. Отразите это в тематическом планировании и укажите количество часов."},
	{false, "Спасибо! А конспект урока для вебинара присылать вам сюда или куратору?"},
	{true, "Присылайте сюда, в этот диалог, **за день до вебинара**. Разберём его в прямом эфире, если вы не против."},
}

// DemoMessages opens the demo learner's thread with the teacher of the
// first demo program (run it after DemoLearning), once: 4 messages, the
// teacher's last reply unread by the learner.
func DemoMessages(ctx context.Context, pool *pgxpool.Pool) error {
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
	learner, err := q.GetUserByEmail(ctx, DemoUsers[4].Email)
	if err != nil {
		return err
	}
	teacher, err := q.GetUserByEmail(ctx, DemoUsers[3].Email)
	if err != nil {
		return err
	}
	md := markdown.New()
	return store.InTx(ctx, pool, func(q *db.Queries) error {
		c, err := q.CreateConversation(ctx, db.CreateConversationParams{OrganizationID: org.ID, ProgramID: prog.ID, LearnerID: learner.ID})
		if err != nil || c.LastSeq > 0 {
			return err
		}
		for _, m := range demoThread {
			html, err := md.Render(m.body)
			if err != nil {
				return err
			}
			author := learner.ID
			if m.fromStaff {
				author = teacher.ID
			}
			if _, err := q.AddConversationMessage(ctx, db.AddConversationMessageParams{AuthorID: author, FromStaff: m.fromStaff,
				Body: m.body, BodyHtml: html, Preview: strings.ReplaceAll(m.body, "**", ""), ConversationID: c.ID}); err != nil {
				return err
			}
		}
		return nil
	})
}

// demoNews are the demo organization's news for the learners of the first
// demo program: one published yesterday, one scheduled for tomorrow.
var demoNews = []struct {
	title, body string
	inDays      int
}{
	{"Открыт итоговый тест по программе «Педагогическая деятельность в условиях ФГОС»",
		"Коллеги, итоговое тестирование открыто. У вас **две попытки** по 20 минут, проходной балл — 70 %.\n\n" +
			"Срок сдачи указан в календаре личного кабинета.", -1},
	{"Вебинар-практикум: разбор рабочих программ",
		"Завтра публикуем расписание дополнительного вебинара, на котором разберём рабочие программы слушателей. " +
			"Присылайте вопросы преподавателю в сообщениях.", 1},
}

// DemoNews publishes the demo news (run it after Catalog), each once (by
// title). Their notifications are not sent: the seed enqueues no jobs.
func DemoNews(ctx context.Context, pool *pgxpool.Pool, now time.Time) error {
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
	manager, err := q.GetUserByEmail(ctx, DemoUsers[2].Email)
	if err != nil {
		return err
	}
	existing, err := q.ListNewsItems(ctx, db.ListNewsItemsParams{OrganizationID: org.ID, MaxRows: 500})
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, n := range existing {
		have[n.Title] = true
	}
	md := markdown.New()
	for _, n := range demoNews {
		if have[n.title] {
			continue
		}
		html, err := md.Render(n.body)
		if err != nil {
			return err
		}
		at := now.UTC().Truncate(time.Hour).AddDate(0, 0, n.inDays)
		if _, err := q.CreateNewsItem(ctx, db.CreateNewsItemParams{OrganizationID: org.ID, Title: n.title, BodyMarkdown: n.body,
			BodyHtml: html, Audience: db.ContentAudienceMembers, ProgramIds: []uuid.UUID{prog.ID}, PublishedAt: &at, AuthorID: &manager.ID}); err != nil {
			return err
		}
	}
	return nil
}
