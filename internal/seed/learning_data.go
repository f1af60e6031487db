package seed

import "github.com/kabinet-edu/kabinet/gen/db"

// demoLesson is one lesson of the demo content. Hours and days are
// relative to the time the seed runs, so the demo always has a webinar
// about to start, one in the past with its recording, and lessons that
// open later.
type demoLesson struct {
	Kind          db.LessonKind
	Title, Body   string
	Optional      bool
	Final         bool
	AfterPrevious bool
	OpensInDays   int    // > 0: opens that many days from now
	VideoURL      string // video
	WebinarInH    int    // webinar: starts this many hours from now (negative: in the past)
	WebinarMin    int32
	Recording     string
	FileName      string // file: a small PDF is stored under this name
}

type demoModule struct {
	Title, Description string
	Lessons            []demoLesson
}

// demoContent is the learning content of three demo programs, by slug.
var demoContent = map[string][]demoModule{
	"pedagogicheskaya-deyatelnost-fgos": {
		{"Модуль 1. Нормативная база", "ФГОС общего образования и профессиональный стандарт педагога.", []demoLesson{
			{Kind: db.LessonKindText, Title: "Что изменилось в обновлённых ФГОС", Body: "## Обновлённые ФГОС НОО и ООО\n\n" +
				"С 1 сентября 2022 года школы перешли на обновлённые стандарты. Главное:\n\n" +
				"- **конкретизированы** предметные результаты по годам обучения;\n" +
				"- введено понятие **функциональной грамотности**;\n" +
				"- рабочие программы составляются в конструкторе на портале «Единое содержание общего образования».\n\n" +
				"> Стандарт — это не перечень тем, а описание результатов, которых должен достичь ученик."},
			{Kind: db.LessonKindVideo, Title: "Видеолекция: профессиональный стандарт «Педагог»", AfterPrevious: true,
				VideoURL: "https://rutube.ru/play/embed/demo-profstandart-pedagog",
				Body:     "Лекция Т. Учителевой (40 минут). После просмотра ответьте себе на вопрос: какие трудовые функции вы выполняете ежедневно?"},
			{Kind: db.LessonKindFile, Title: "Памятка: требования к рабочей программе", FileName: "Памятка — рабочая программа.pdf",
				Body: "Скачайте памятку и сверьте с ней свою рабочую программу по предмету."},
		}},
		{"Модуль 2. Современный урок", "Деятельностный подход, формирующее оценивание и функциональная грамотность.", []demoLesson{
			{Kind: db.LessonKindText, Title: "Структура урока открытия нового знания", AfterPrevious: true, Body: "## Этапы урока\n\n" +
				"1. Мотивация к учебной деятельности.\n2. Актуализация знаний и фиксация затруднения.\n" +
				"3. Постановка учебной задачи.\n4. Построение проекта выхода из затруднения.\n" +
				"5. Первичное закрепление с проговариванием во внешней речи.\n6. Самостоятельная работа с самопроверкой.\n7. Рефлексия."},
			{Kind: db.LessonKindWebinar, Title: "Вебинар: разбор открытых уроков слушателей", WebinarInH: 1, WebinarMin: 90,
				Body: "Пришлите конспект урока куратору за день до вебинара — разберём три работы в прямом эфире."},
			{Kind: db.LessonKindWebinar, Title: "Вебинар: формирующее оценивание", WebinarInH: -48, WebinarMin: 60, Optional: true,
				Recording: "https://rutube.ru/video/demo-formiruyushchee-otsenivanie/",
				Body:      "Запись вебинара о критериальном оценивании и листах самооценки."},
			{Kind: db.LessonKindText, Title: "Функциональная грамотность: банк заданий", OpensInDays: 5, Optional: true,
				Body: "Подборка заданий открытого банка ФИПИ по читательской, математической и естественнонаучной грамотности."},
		}},
		{"Итоговая аттестация", "Тестирование по материалам программы.", []demoLesson{
			{Kind: db.LessonKindTest, Title: "Итоговое тестирование", Final: true, Body: "30 вопросов, 60 минут, две попытки. Проходной балл — 70%."},
		}},
	},
	"klassnyy-rukovoditel": {
		{"Воспитательная работа класса", "Рабочая программа воспитания и календарный план.", []demoLesson{
			{Kind: db.LessonKindText, Title: "Рабочая программа воспитания: с чего начать", Body: "## Рабочая программа воспитания\n\n" +
				"Программа воспитания — часть основной образовательной программы школы. Классный руководитель планирует работу " +
				"по модулям: *классное руководство*, *основные школьные дела*, *внеурочная деятельность*, *работа с родителями*."},
			{Kind: db.LessonKindVideo, Title: "Классный час, который запомнится", VideoURL: "https://rutube.ru/play/embed/demo-klassnyy-chas",
				Body: "Пять форматов классного часа: дебаты, квест, проектная сессия, встреча с выпускником, кинопросмотр с обсуждением."},
			{Kind: db.LessonKindFile, Title: "Шаблон календарного плана воспитательной работы", FileName: "Календарный план — шаблон.pdf", Optional: true},
		}},
		{"Работа с родителями", "Родительские собрания и трудные разговоры.", []demoLesson{
			{Kind: db.LessonKindWebinar, Title: "Вебинар: родительское собрание без конфликтов", WebinarInH: 26, WebinarMin: 60,
				Body: "Как подготовить повестку, о чём говорить и чего избегать. Вопросы можно задать в чате."},
			{Kind: db.LessonKindText, Title: "Трудный разговор с родителем: алгоритм", AfterPrevious: true, Body: "## Алгоритм\n\n" +
				"1. Начните с факта, а не с оценки.\n2. Дайте родителю высказаться.\n3. Предложите совместный план.\n4. Договоритесь о следующей встрече."},
		}},
	},
	"psihologiya-obucheniya": {
		{"Возрастная психология", "Кризисы развития и ведущая деятельность.", []demoLesson{
			{Kind: db.LessonKindText, Title: "Периодизация развития по Д. Б. Эльконину", Body: "## Ведущая деятельность\n\n" +
				"| Возраст | Ведущая деятельность |\n|---|---|\n| 7–11 лет | учебная |\n| 11–15 лет | интимно-личностное общение |\n" +
				"| 15–17 лет | учебно-профессиональная |"},
			{Kind: db.LessonKindVideo, Title: "Подростковый кризис: что видит учитель", VideoURL: "https://rutube.ru/play/embed/demo-podrostkovyy-krizis"},
			{Kind: db.LessonKindWebinar, Title: "Вебинар: тревожность перед экзаменами", WebinarInH: -2, WebinarMin: 90,
				Recording: "https://rutube.ru/video/demo-trevozhnost-pered-ekzamenami/"},
		}},
	},
}
