package notify

import (
	"strings"
	"testing"
)

func TestRenderEveryTemplateInBothLocales(t *testing.T) {
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	r, err := tpl.Render(Message{Channel: Email, Template: "welcome", Locale: "ru", Data: map[string]any{"FirstName": "<Анна>"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Добро пожаловать в личный кабинет" || !strings.Contains(r.Text, "Здравствуйте, <Анна>!") {
		t.Errorf("ru text: %+v", r)
	}
	if !strings.Contains(r.HTML, "&lt;Анна&gt;") {
		t.Errorf("HTML is not escaped: %s", r.HTML)
	}
	en, err := tpl.Render(Message{Channel: Email, Template: "welcome", Locale: "en", Data: map[string]any{"FirstName": "Anna"}})
	if err != nil || !strings.HasPrefix(en.Text, "Hello Anna") {
		t.Errorf("en: %+v %v", en, err)
	}
	// Every template exists in both locales.
	for key := range tpl.text {
		name, locale, _ := strings.Cut(key, ".")
		other := map[string]string{"ru": "en", "en": "ru"}[locale]
		if _, ok := tpl.text[name+"."+other]; !ok {
			t.Errorf("template %s has no %s version", name, other)
		}
	}
	if _, err := tpl.Render(Message{Channel: Email, Template: "welcome", Data: map[string]any{}}); err == nil {
		t.Error("a missing template variable must be an error, not an empty string")
	}
}
