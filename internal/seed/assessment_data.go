package seed

import "github.com/kabinet-edu/kabinet/internal/quiz"

// demoQuestion is a bank question of the demo final test with the answer
// the demo learner gave in their graded attempt.
type demoQuestion struct {
	Q      quiz.Question
	Answer quiz.Answer
}

func opts(pairs ...string) []quiz.Option {
	out := make([]quiz.Option, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, quiz.Option{ID: pairs[i], Text: pairs[i+1]})
	}
	return out
}

// demoFinalTest is the question bank of the final test of the program
// "pedagogicheskaya-deyatelnost-fgos": every question type, tagged by
// module. The learner's answers score 69.6 % — just short of the 70 %
// passing score, so the demo shows a failed attempt and one left to try.
var demoFinalTest = []demoQuestion{
	{quiz.Question{Type: quiz.SingleChoice, Tag: "Нормативная база",
		Prompt:  "С какого года школы перешли на обновлённые ФГОС НОО и ООО?",
		Options: opts("a", "2020", "b", "2021", "c", "2022", "d", "2023"), Key: quiz.Key{Options: []string{"c"}},
		Explanation: "Обновлённые стандарты действуют с 1 сентября 2022 года."},
		quiz.Answer{Options: []string{"c"}}},
	{quiz.Question{Type: quiz.SingleChoice, Tag: "Нормативная база",
		Prompt:  "Кто утверждает рабочую программу учителя по предмету?",
		Options: opts("a", "Руководитель образовательной организации", "b", "Муниципальный орган управления образованием", "c", "Рособрнадзор", "d", "Родительский комитет"),
		Key:     quiz.Key{Options: []string{"a"}}, Explanation: "Рабочая программа — локальный акт школы, её утверждает руководитель."},
		quiz.Answer{Options: []string{"b"}}},
	{quiz.Question{Type: quiz.MultipleChoice, Tag: "Современный урок", Scoring: quiz.Partial,
		Prompt:  "Какие виды функциональной грамотности оцениваются в исследованиях PISA и мониторинге РЭШ?",
		Options: opts("a", "Читательская", "b", "Математическая", "c", "Естественнонаучная", "d", "Каллиграфическая"),
		Key:     quiz.Key{Options: []string{"a", "b", "c"}}, Explanation: "Каллиграфия к функциональной грамотности не относится."},
		quiz.Answer{Options: []string{"a", "b"}}},
	{quiz.Question{Type: quiz.ShortText, Tag: "Нормативная база",
		Prompt: "Как называется документ учителя с планируемыми результатами и тематическим планированием по предмету? (два слова)",
		Key:    quiz.Key{Texts: []string{"рабочая программа", "рабочая программа по предмету"}}},
		quiz.Answer{Text: "Рабочая программа"}},
	{quiz.Question{Type: quiz.Numeric, Tag: "Современный урок", Points: 1,
		Prompt: "Урок длится 45 минут. Какую долю урока в процентах занимает самостоятельная работа длительностью 12 минут? Ответ округлите до целого.",
		Key:    quiz.Key{Number: 26.67, Tolerance: 0.5}, Explanation: "12 / 45 × 100 ≈ 26,7 %."},
		quiz.Answer{Text: "27"}},
	{quiz.Question{Type: quiz.Ordering, Tag: "Современный урок", Scoring: quiz.Kendall,
		Prompt: "Расположите этапы урока открытия нового знания по порядку.",
		Options: opts("m", "Мотивация к учебной деятельности", "a", "Актуализация знаний и фиксация затруднения",
			"t", "Постановка учебной задачи", "z", "Первичное закрепление", "r", "Рефлексия"),
		Key: quiz.Key{Options: []string{"m", "a", "t", "z", "r"}}},
		quiz.Answer{Options: []string{"m", "t", "a", "z", "r"}}},
	{quiz.Question{Type: quiz.Matching, Tag: "Нормативная база", Scoring: quiz.Partial,
		Prompt:  "Соотнесите стандарт и уровень образования.",
		Options: opts("noo", "ФГОС НОО", "ooo", "ФГОС ООО", "soo", "ФГОС СОО"),
		Targets: opts("1", "Начальное общее образование", "2", "Основное общее образование", "3", "Среднее общее образование", "4", "Дошкольное образование"),
		Key:     quiz.Key{Pairs: map[string]string{"noo": "1", "ooo": "2", "soo": "3"}}},
		quiz.Answer{Pairs: map[string]string{"noo": "1", "ooo": "2", "soo": "3"}}},
	{quiz.Question{Type: quiz.SingleChoice, Tag: "Современный урок",
		Prompt:  "Какой этап завершает урок открытия нового знания?",
		Options: opts("a", "Мотивация", "b", "Самостоятельная работа с самопроверкой", "c", "Рефлексия", "d", "Актуализация знаний"),
		Key:     quiz.Key{Options: []string{"c"}}},
		quiz.Answer{Options: []string{"b"}}},
}
