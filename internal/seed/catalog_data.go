package seed

import "github.com/kabinet-edu/kabinet/gen/db"

// demoCategory is one category of the demo catalog, with its cover colour.
type demoCategory struct {
	Slug, Title string
	Parent      string // slug; "" for a root
	Color       [3]uint8
}

var demoCategories = []demoCategory{
	{"pedagogika", "Педагогика и психология", "", [3]uint8{0x2e, 0x7d, 0x32}},
	{"doshkolnoe", "Дошкольное образование", "pedagogika", [3]uint8{0x66, 0xbb, 0x6a}},
	{"upravlenie", "Управление в образовании", "", [3]uint8{0x15, 0x65, 0xc0}},
	{"it", "Информационные технологии", "", [3]uint8{0x45, 0x27, 0xa0}},
	{"ohrana-truda", "Охрана труда", "", [3]uint8{0xe6, 0x51, 0x00}},
	{"buhgalteriya", "Бухгалтерия и финансы", "", [3]uint8{0x00, 0x83, 0x8f}},
}

// demoProgram is one program of the demo catalog.
type demoProgram struct {
	Slug, Title, Short, Category string
	Kind                         db.ProgramKind
	Format                       db.StudyFormat
	Hours                        int32
	PriceRub                     int64
	Tags                         []string
	Draft                        bool
}

const (
	pk  = db.ProgramKindQualificationUpgrade
	pp  = db.ProgramKindProfessionalRetraining
	crs = db.ProgramKindCourse
	web = db.ProgramKindWebinar
	sem = db.ProgramKindSeminar
	onl = db.StudyFormatOnline
	bln = db.StudyFormatBlended
	inp = db.StudyFormatInPerson
)

var demoPrograms = []demoProgram{
	{"pedagogicheskaya-deyatelnost-fgos", "Педагогическая деятельность в условиях ФГОС", "Современные требования к уроку и оценке результатов.", "pedagogika", pk, onl, 72, 5900, []string{"фгос", "учитель"}, false},
	{"psihologiya-obucheniya", "Психология обучения и развития школьников", "Возрастная психология для учителей и классных руководителей.", "pedagogika", pk, onl, 36, 3900, []string{"психология"}, false},
	{"inklyuzivnoe-obrazovanie", "Инклюзивное образование детей с ОВЗ", "Адаптированные программы и сопровождение детей с ОВЗ.", "pedagogika", pk, bln, 108, 8900, []string{"овз", "инклюзия"}, false},
	{"pedagog-professionalnogo-obucheniya", "Педагог профессионального обучения", "Переподготовка для преподавателей колледжей и учебных центров.", "pedagogika", pp, onl, 520, 29900, []string{"переподготовка"}, false},
	{"pedagog-psiholog", "Педагог-психолог в образовательной организации", "Новая профессия: психологическое сопровождение обучения.", "pedagogika", pp, onl, 620, 34900, []string{"психолог"}, false},
	{"klassnyy-rukovoditel", "Классный руководитель: воспитательная работа", "Рабочая программа воспитания и работа с родителями.", "pedagogika", crs, onl, 24, 1900, []string{"воспитание"}, false},
	{"vebinar-trevozhnost", "Тревожность у подростков: что делать учителю", "Вебинар с разбором случаев из практики.", "pedagogika", web, onl, 2, 0, []string{"вебинар"}, false},
	{"vospitatel-doo-fgos", "Воспитатель ДОО: реализация ФГОС ДО", "Образовательная деятельность в детском саду по ФГОС ДО.", "doshkolnoe", pk, onl, 72, 4900, []string{"фгос до", "воспитатель"}, false},
	{"doshkolnaya-pedagogika", "Дошкольная педагогика и психология", "Переподготовка для работы воспитателем детского сада.", "doshkolnoe", pp, onl, 300, 19900, []string{"воспитатель"}, false},
	{"igrovye-tehnologii", "Игровые технологии в детском саду", "Сюжетно-ролевые и дидактические игры на занятиях.", "doshkolnoe", crs, onl, 16, 1500, []string{"игра"}, false},
	{"rannee-razvitie", "Раннее развитие детей от 1 до 3 лет", "Адаптация к детскому саду и развивающая среда.", "doshkolnoe", sem, inp, 8, 2500, []string{"ясли"}, false},
	{"logopedicheskaya-rabota", "Логопедическая работа в ДОО", "Профилактика и коррекция речевых нарушений у дошкольников.", "doshkolnoe", pk, bln, 72, 6500, []string{"логопед"}, false},
	{"menedzhment-v-obrazovanii", "Менеджмент в образовании", "Переподготовка для руководителей школ и детских садов.", "upravlenie", pp, onl, 520, 32900, []string{"руководитель"}, false},
	{"kontraktnaya-sistema-44fz", "Контрактная система в сфере закупок (44-ФЗ)", "Закупки образовательной организации без ошибок.", "upravlenie", pk, onl, 144, 9900, []string{"44-фз", "закупки"}, false},
	{"effektivnyy-kontrakt", "Эффективный контракт и оплата труда педагогов", "Стимулирующие выплаты и показатели эффективности.", "upravlenie", sem, onl, 8, 3500, []string{"зарплата"}, false},
	{"vnutrennyaya-sistema-kachestva", "Внутренняя система оценки качества образования", "ВСОКО: положение, мониторинги, отчёты.", "upravlenie", pk, onl, 36, 4500, []string{"всоко"}, false},
	{"upravlenie-proektami-shkoly", "Управление проектами в школе", "Программа развития школы как портфель проектов.", "upravlenie", crs, bln, 40, 7900, []string{"проекты"}, true},
	{"cifrovaya-obrazovatelnaya-sreda", "Цифровая образовательная среда: инструменты учителя", "ФГИС «Моя школа», сервисы для уроков и проверки.", "it", pk, onl, 36, 3500, []string{"цос", "цифровизация"}, false},
	{"python-dlya-uchiteley", "Программирование на Python для учителей информатики", "Подготовка к ЕГЭ по информатике на Python.", "it", pk, onl, 72, 6900, []string{"python", "егэ"}, false},
	{"excel-dlya-buhgaltera", "Excel для бухгалтера и экономиста", "Сводные таблицы, ВПР и отчёты без рутины.", "it", crs, onl, 24, 4900, []string{"excel"}, false},
	{"1c-predpriyatie", "1С:Предприятие 8.3 для начинающих", "Интерфейс, справочники, документы и отчёты 1С.", "it", crs, bln, 40, 8900, []string{"1с"}, false},
	{"informacionnaya-bezopasnost", "Информационная безопасность в образовательной организации", "Персональные данные, пароли, фишинг: правила для сотрудников.", "it", web, onl, 2, 0, []string{"152-фз", "безопасность"}, false},
	{"veb-razrabotka", "Веб-разработчик: HTML, CSS и JavaScript", "Переподготовка с нуля до первого сайта в портфолио.", "it", pp, onl, 256, 39900, []string{"javascript"}, false},
	{"ohrana-truda-rukovoditeley", "Охрана труда для руководителей и специалистов", "Обучение по программе А по новым правилам (Постановление № 2464).", "ohrana-truda", pk, bln, 40, 3900, []string{"программа а"}, false},
	{"pervaya-pomosch", "Оказание первой помощи пострадавшим", "Обязательное обучение первой помощи с практикой на манекене.", "ohrana-truda", crs, inp, 16, 1900, []string{"первая помощь"}, false},
	{"pozharnaya-bezopasnost", "Основы пожарной безопасности", "Пожарно-технический минимум для ответственных лиц.", "ohrana-truda", pk, onl, 16, 2500, []string{"пожарная безопасность"}, false},
	{"specialist-ohrany-truda", "Специалист в области охраны труда", "Профессиональная переподготовка по профстандарту 40.054.", "ohrana-truda", pp, onl, 256, 24900, []string{"профстандарт"}, false},
	{"siz-obuchenie", "Использование средств индивидуальной защиты", "Программа обучения применению СИЗ для работников.", "ohrana-truda", sem, inp, 4, 1200, []string{"сиз"}, false},
	{"buhgalterskiy-uchet-byudzhet", "Бухгалтерский учёт в бюджетных учреждениях", "Учёт по федеральным стандартам для госсектора.", "buhgalteriya", pk, onl, 72, 7500, []string{"бюджет", "фсбу"}, false},
	{"buhgalter", "Бухгалтер: учёт, налоги, отчётность", "Переподготовка для работы бухгалтером.", "buhgalteriya", pp, onl, 280, 27900, []string{"бухгалтер"}, false},
	{"nalogovye-izmeneniya", "Налоговые изменения года: что важно знать", "Вебинар о поправках в НК РФ.", "buhgalteriya", web, onl, 2, 900, []string{"налоги"}, false},
	{"zarplata-i-kadry", "Расчёт зарплаты и кадровый учёт", "НДФЛ, страховые взносы, больничные и отпуска.", "buhgalteriya", crs, onl, 40, 6900, []string{"зарплата", "кадры"}, false},
	{"finansovaya-gramotnost", "Финансовая грамотность для педагогов", "Как преподавать финансовую грамотность в школе.", "buhgalteriya", pk, onl, 36, 2900, []string{"финграмотность"}, true},
}
