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
	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/markdown"
	"github.com/kabinet-edu/kabinet/internal/news"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// demoThread is the demo learner's conversation with the teacher of the
// first demo program: the last message, the teacher's, is unread.
var demoThread = []struct {
	fromStaff bool
	hoursAgo  int
	body      string
}{
	{false, 74, "Татьяна Викторовна, здравствуйте! Подскажите, пожалуйста, можно ли в рабочей программе объединить две темы в один урок?"},
	{true, 70, "Здравствуйте, Лев! Можно, если планируемые результаты обеих тем достигаются. Отразите это в тематическом планировании и укажите количество часов."},
	{false, 26, "Спасибо! А конспект урока для вебинара присылать вам сюда или куратору?"},
	{true, 3, "Присылайте сюда, в этот диалог, **за день до вебинара**. Разберём его в прямом эфире, если вы не против."},
}

// DemoMessages opens the demo learner's thread with the teacher of the
// first demo program (run it after DemoLearning), once: 4 messages over
// the last three days, the teacher's last reply unread by the learner.
func DemoMessages(ctx context.Context, pool *pgxpool.Pool, now time.Time) error {
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
	return store.InTxJobs(ctx, pool, func(q *db.Queries, tx pgx.Tx) error {
		c, err := q.CreateConversation(ctx, db.CreateConversationParams{OrganizationID: org.ID, ProgramID: prog.ID, LearnerID: learner.ID})
		if err != nil || c.LastSeq > 0 {
			return err
		}
		var at time.Time
		for _, m := range demoThread {
			html, err := md.Render(m.body)
			if err != nil {
				return err
			}
			author := learner.ID
			if m.fromStaff {
				author = teacher.ID
			}
			msg, err := q.AddConversationMessage(ctx, db.AddConversationMessageParams{AuthorID: author, FromStaff: m.fromStaff,
				Body: m.body, BodyHtml: html, Preview: strings.ReplaceAll(m.body, "**", ""), ConversationID: c.ID})
			if err != nil {
				return err
			}
			at = now.Add(-time.Duration(m.hoursAgo) * time.Hour)
			if err := backdateMessage(ctx, tx, msg.ID, at); err != nil {
				return err
			}
		}
		return backdateConversation(ctx, tx, c.ID, at)
	})
}

// backdateMessage moves a demo message to at (the conversations domain
// stamps messages with now(); no query of it sets the time).
func backdateMessage(ctx context.Context, tx pgx.Tx, id uuid.UUID, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE conversation_messages SET created_at = $2 WHERE id = $1`, id, at)
	return err
}

// backdateConversation moves the thread's creation and last message to
// the times of its backdated messages.
func backdateConversation(ctx context.Context, tx pgx.Tx, id uuid.UUID, last time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE conversations c SET last_message_at = $2,
		created_at = (SELECT min(created_at) FROM conversation_messages m WHERE m.conversation_id = c.id) WHERE id = $1`, id, last)
	return err
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
// title), and schedules their delivery to the learners through ins, as the
// news domain does (nil: no notices).
func DemoNews(ctx context.Context, pool *pgxpool.Pool, ins jobs.Inserter, now time.Time) error {
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
		err = store.InTxJobs(ctx, pool, func(q *db.Queries, tx pgx.Tx) error {
			item, err := q.CreateNewsItem(ctx, db.CreateNewsItemParams{OrganizationID: org.ID, Title: n.title, BodyMarkdown: n.body,
				BodyHtml: html, Audience: db.ContentAudienceMembers, ProgramIds: []uuid.UUID{prog.ID}, PublishedAt: &at, AuthorID: &manager.ID})
			if err != nil || ins == nil {
				return err
			}
			opts := &river.InsertOpts{}
			if at.After(now) {
				opts.ScheduledAt = at
			}
			_, err = ins.InsertTx(ctx, tx, news.DeliverArgs{NewsID: item.ID, PublishedAt: at}, opts)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
