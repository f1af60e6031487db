package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// topic is a program subject and the root category (1..4) it belongs to.
type topic struct {
	text string
	root int
}

// The vocabulary of generated programs: real subjects of Russian
// continuing-education centers, in the genitive so that "prefix + topic"
// reads as a title ("Основы охраны труда").
var (
	prefixes = []string{
		"Основы", "Современные технологии", "Актуальные вопросы", "Методика преподавания", "Организация",
		"Управление в сфере", "Практикум:", "Введение в теорию", "Цифровые инструменты", "Проектирование",
		"Эффективные практики", "Нормативное регулирование", "Менеджмент", "Психолого-педагогические аспекты", "Инновации",
	}
	topics = []topic{
		{"педагогической деятельности", 1}, {"дошкольного образования", 1}, {"логопедии и дефектологии", 1},
		{"инклюзивного образования", 1}, {"тьюторского сопровождения", 1}, {"внеурочной деятельности", 1},
		{"преподавания математики", 1}, {"преподавания русского языка", 1}, {"преподавания английского языка", 1},
		{"музыкального воспитания", 1}, {"физической культуры и спорта", 1}, {"педагогики и психологии", 1},
		{"наставничества", 1}, {"воспитательной работы", 1}, {"социальной работы", 1}, {"методической работы", 1},
		{"бухгалтерского учёта", 2}, {"налогообложения", 2}, {"финансового анализа", 2}, {"государственных закупок", 2},
		{"управления персоналом", 2}, {"кадрового делопроизводства", 2}, {"маркетинга и рекламы", 2},
		{"логистики и складского хозяйства", 2}, {"корпоративного права", 2}, {"финансовой грамотности", 2},
		{"охраны труда", 3}, {"пожарной безопасности", 3}, {"промышленной безопасности", 3}, {"электробезопасности", 3},
		{"экологической безопасности", 3}, {"первой помощи", 3}, {"гражданской обороны", 3}, {"строительного контроля", 3},
		{"программирования на Python", 4}, {"веб-разработки", 4}, {"информационной безопасности", 4},
		{"анализа данных", 4}, {"BIM-моделирования", 4}, {"project management", 4}, {"SMM-продвижения", 4},
		{"работы в Excel", 4}, {"системного администрирования", 4}, {"машинного обучения", 4}, {"1С:Бухгалтерии", 4},
	}
	suffixes = []string{
		"", "", "", " в соответствии с ФГОС", " для учителей начальных классов", " в условиях реализации ФГОС",
		" для руководителей", " (базовый уровень)", " (продвинутый уровень)", " для специалистов", " с нуля",
		" в 2027 году", " для педагогов дополнительного образования", " в медицинских организациях",
	}
	audiences = []string{
		"учителей общеобразовательных школ", "воспитателей детских садов", "руководителей организаций",
		"специалистов по охране труда", "бухгалтеров и экономистов", "педагогов дополнительного образования",
		"специалистов кадровых служб", "инженеров и мастеров участков", "начинающих разработчиков",
		"преподавателей колледжей", "медицинских работников", "всех желающих",
	}
	sentences = []string{
		"Вы изучите нормативную базу и типичные ошибки в области {t}.",
		"Слушатели разбирают реальные кейсы и выполняют практические задания по теме {t}.",
		"Занятия ведут практикующие специалисты с опытом более десяти лет.",
		"По итогам обучения выдаётся документ установленного образца с внесением в ФИС ФРДО.",
		"Программа разработана с учётом профессионального стандарта и требований работодателей.",
		"Обучение проходит в удобном темпе: видеолекции, вебинары и тесты доступны в личном кабинете.",
		"Итоговая аттестация проводится в форме тестирования или защиты проекта.",
		"Особое внимание уделено современным методикам и цифровым сервисам в сфере {t}.",
		"Курс поможет систематизировать знания и подготовиться к аттестации.",
		"Материалы курса обновляются ежегодно с учётом изменений законодательства.",
		"Можно оплатить обучение в рассрочку или за счёт работодателя.",
		"Участники получают доступ к библиотеке шаблонов и методических материалов.",
	}
	tags = []string{
		"фгос", "онлайн", "аттестация", "удостоверение", "диплом", "школа", "детский сад", "бухгалтерия",
		"безопасность", "цифровые навыки", "руководителям", "с нуля", "практика", "рассрочка", "вебинар", "ит",
	}
	categoryTitles = [][]string{
		{"Педагогика и образование", "Общее образование", "Дошкольное и специальное образование"},
		{"Экономика и управление", "Учёт и финансы", "Менеджмент и право"},
		{"Безопасность", "Охрана труда", "Промышленная и пожарная безопасность"},
		{"ИТ и цифровые навыки", "Разработка", "Данные и офисные программы"},
	}
)

// seed fills an empty migrated database with n programs spread over n/200
// organizations (each with a two-level category tree of 12 categories) and
// about 1.5 groups per program. It runs in one transaction with triggers
// off (session_replication_role = replica, so superuser only) and then
// derives what triggers would have: next_start_on and catalog_counts.
func seed(ctx context.Context, pool *pgxpool.Pool, n int) error {
	orgs := max(1, n/200)
	var topicTexts []string
	var topicRoots []int32
	for _, t := range topics {
		topicTexts = append(topicTexts, t.text)
		topicRoots = append(topicRoots, int32(t.root))
	}
	var catRoot, catChild []string
	for _, c := range categoryTitles {
		catRoot = append(catRoot, c[0])
		catChild = append(catChild, c[1], c[2])
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
	start := time.Now()
	steps := []struct {
		name string
		sql  string
		args []any
	}{
		{"triggers off", "SET LOCAL session_replication_role = replica", nil},
		{"organizations", seedOrganizations, []any{orgs}},
		{"categories", seedCategories, []any{orgs, catRoot, catChild}},
		{"groups", seedGroups, []any{n, orgs}},
		{"programs", seedPrograms, []any{n, orgs, prefixes, topicTexts, topicRoots, suffixes, audiences, sentences, tags}},
		{"facet counts", "SELECT catalog_counts_rebuild(), catalog_totals_rebuild(), catalog_words_rebuild()", nil},
	}
	for _, s := range steps {
		t := time.Now()
		if _, err := tx.Exec(ctx, s.sql, s.args...); err != nil {
			return fmt.Errorf("seed %s: %w", s.name, err)
		}
		logf("  seeded %s in %s", s.name, time.Since(t).Round(time.Millisecond))
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return err
	}
	logf("  seeded %d programs in %s", n, time.Since(start).Round(time.Second))
	return nil
}

// Pseudo-random choices are abs(hashint8(n * prime + k)): deterministic, so
// every run seeds the same catalog.
const seedOrganizations = `
INSERT INTO organizations (id, slug, name, short_name, address)
SELECT md5('org' || i)::uuid, 'bench-' || i, 'Учебный центр «Развитие-' || i || '»', 'УЦ ' || i,
       'г. Москва, ул. Образцова, д. ' || i
FROM generate_series(1, $1::int) i`

const seedCategories = `
WITH roots AS (
    SELECT o, r, md5('cat' || o || '-' || r)::uuid AS id FROM generate_series(1, $1::int) o, generate_series(1, 4) r
)
INSERT INTO program_categories (id, organization_id, parent_id, path, slug, title, position)
SELECT id, md5('org' || o)::uuid, NULL, text2ltree(replace(id::text, '-', '')), 'cat-' || r, ($2::text[])[r], r FROM roots
UNION ALL
SELECT md5('cat' || o || '-' || r || '-' || c)::uuid, md5('org' || o)::uuid, id,
       text2ltree(replace(id::text, '-', '') || '.' || replace(md5('cat' || o || '-' || r || '-' || c)::uuid::text, '-', '')),
       'cat-' || r || '-' || c, ($3::text[])[(r - 1) * 2 + c], c
FROM roots, generate_series(1, 2) c`

// Groups start from two months ago to a year ahead; the past ones run or
// are finished, the upcoming ones enroll (most with a window), are planned
// or were canceled.
const seedGroups = `
INSERT INTO study_groups (organization_id, program_id, code, starts_on, ends_on, enrollment_opens_at,
                          enrollment_closes_at, capacity, seats_taken, status)
SELECT md5('org' || (1 + (n - 1) % $2::int))::uuid, md5('prog' || n)::uuid, 'G-' || n || '-' || k, s, s + 30 + (abs(hashint8(n * 31 + k)) % 60)::int,
       CASE WHEN st = 'enrolling' AND abs(hashint8(n * 17 + k)) % 10 < 7 THEN now() - interval '30 days' END,
       CASE WHEN st = 'enrolling' AND abs(hashint8(n * 17 + k)) % 10 < 7 THEN s - 1 END,
       (ARRAY[0, 15, 20, 25, 30])[1 + abs(hashint8(n * 13 + k)) % 5], 0, st::group_status
FROM generate_series(1, $1::int) n,
     generate_series(1, (abs(hashint8(n)) % 4)::int) k,
     LATERAL (SELECT current_date + ((abs(hashint8(n * 7 + k)) % 420)::int - 60) AS s) d,
     LATERAL (SELECT CASE
         WHEN d.s < current_date THEN (CASE WHEN d.s < current_date - 30 THEN 'finished' ELSE 'running' END)
         WHEN abs(hashint8(n * 11 + k)) % 100 < 60 THEN 'enrolling'
         WHEN abs(hashint8(n * 11 + k)) % 100 < 95 THEN 'planned'
         ELSE 'canceled' END AS st) x`

const seedPrograms = `
WITH base AS (
    SELECT n, 1 + (n - 1) % $2::int AS o,
           abs(hashint8(n * 3)) AS h1, abs(hashint8(n * 5)) AS h2, abs(hashint8(n * 7)) AS h3, abs(hashint8(n * 11)) AS h4,
           1 + abs(hashint8(n * 13)) % cardinality($4::text[]) AS t
    FROM generate_series(1, $1::int) n
), p AS (
    SELECT b.*, ($4::text[])[t] AS topic, ($5::int[])[t] AS root,
           CASE WHEN h1 % 100 < 35 THEN 'qualification_upgrade' WHEN h1 % 100 < 50 THEN 'professional_retraining'
                WHEN h1 % 100 < 80 THEN 'course' WHEN h1 % 100 < 90 THEN 'webinar' ELSE 'seminar' END::program_kind AS kind,
           ($3::text[])[1 + h2 % cardinality($3::text[])] AS prefix,
           ($6::text[])[1 + h3 % cardinality($6::text[])] AS suffix,
           ($7::text[])[1 + h4 % cardinality($7::text[])] AS audience
    FROM base b
)
INSERT INTO programs (id, organization_id, category_id, slug, title, short_description, description_md, description_html,
                      kind, completion_document, academic_hours, format, price_minor, currency, tags, required_documents,
                      requires_snils, requires_prior_education, status, published_at, next_start_on, upcoming_starts,
                      enrollment_windows, created_at, updated_at)
SELECT md5('prog' || n)::uuid, md5('org' || o)::uuid,
       CASE WHEN h4 % 10 = 0 THEN NULL ELSE md5('cat' || o || '-' || root || '-' || (1 + h2 % 2))::uuid END,
       'p-' || n, prefix || ' ' || topic || suffix,
       'Программа для ' || audience || '. ' || replace(($8::text[])[1 + h1 % 12], '{t}', topic),
       '## О программе' || E'\n\n' || prefix || ' ' || topic || ' — программа для ' || audience || '. '
         || replace(($8::text[])[1 + h2 % 12], '{t}', topic) || ' ' || replace(($8::text[])[1 + h3 % 12], '{t}', topic)
         || E'\n\n## Что вы получите\n\n- ' || replace(($8::text[])[1 + h4 % 12], '{t}', topic)
         || E'\n- ' || replace(($8::text[])[1 + (h1 / 7) % 12], '{t}', topic),
       '',
       kind,
       CASE kind WHEN 'qualification_upgrade' THEN 'certificate_of_qualification' WHEN 'professional_retraining' THEN 'diploma'
                 WHEN 'webinar' THEN 'none' ELSE 'certificate' END::completion_document,
       CASE kind WHEN 'qualification_upgrade' THEN (ARRAY[16, 24, 36, 72, 108, 144])[1 + h3 % 6]
                 WHEN 'professional_retraining' THEN (ARRAY[250, 256, 300, 340, 520, 620, 1000])[1 + h3 % 7]
                 WHEN 'course' THEN 8 + (h3 % 72)::int WHEN 'webinar' THEN 1 + (h3 % 4)::int ELSE 4 + (h3 % 12)::int END,
       CASE WHEN h2 % 100 < 60 THEN 'online' WHEN h2 % 100 < 85 THEN 'blended' ELSE 'in_person' END::study_format,
       100 * CASE kind WHEN 'qualification_upgrade' THEN 1500 + (h4 % 235) * 100 WHEN 'professional_retraining' THEN 10000 + (h4 % 700) * 100
                       WHEN 'course' THEN 3000 + (h4 % 370) * 100 WHEN 'webinar' THEN (h4 % 21) * 100 ELSE 1000 + (h4 % 90) * 100 END,
       'RUB',
       ARRAY[($9::text[])[1 + h1 % 16], ($9::text[])[1 + h3 % 16]],
       CASE WHEN kind IN ('qualification_upgrade', 'professional_retraining') THEN ARRAY['passport', 'prior_education_diploma', 'snils']
            ELSE ARRAY['passport'] END,
       kind IN ('qualification_upgrade', 'professional_retraining'), kind IN ('qualification_upgrade', 'professional_retraining'),
       CASE WHEN h3 % 100 < 90 THEN 'published' WHEN h3 % 100 < 97 THEN 'draft' ELSE 'archived' END::program_status,
       CASE WHEN h3 % 100 < 90 OR h3 % 100 >= 97 THEN now() - n * interval '7 minutes' END,
       s.next_start_on, s.upcoming_starts, s.enrollment_windows,
       now() - n * interval '7 minutes', now() - n * interval '7 minutes'
FROM p
-- What programs_refresh_schedule would compute.
CROSS JOIN LATERAL (
    SELECT min(g.starts_on) FILTER (WHERE g.status IN ('planned', 'enrolling')) AS next_start_on,
           coalesce(range_agg(daterange(g.starts_on, g.starts_on, '[]')) FILTER (WHERE g.status IN ('planned', 'enrolling')),
                    '{}'::datemultirange) AS upcoming_starts,
           coalesce(range_agg(tstzrange(g.enrollment_opens_at, g.enrollment_closes_at)) FILTER (WHERE g.status = 'enrolling'),
                    '{}'::tstzmultirange) AS enrollment_windows
    FROM study_groups g WHERE g.program_id = md5('prog' || n)::uuid
) s`
