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

// Every template renders in both locales with the data its callers pass
// (a missing key is an error, so a call would fail with a 500): e-mails
// with a subject, plain text and HTML, SMS short enough for one message.
func TestEveryTemplateRendersCompletely(t *testing.T) {
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	// The union of what the handlers pass; a template ignores what it does not use.
	data := map[string]any{
		"FirstName": "Анна", "Code": "042917", "Minutes": 15, "Hours": 24, "Link": "https://example.org/x?token=abc",
		"NewEmail": "n***@example.org", "NewPhone": "+7921*****34", "OrgName": "Экстерн", "OrganizationName": "Экстерн",
		"RoleName": "teacher", "InviterName": "Борис", "ExpiresAt": "2026-01-02 15:04", "Login": "a@example.org",
		"Password": "Tmp-Pass-1", "Reset": false, "When": "2026-01-02 15:04 UTC", "Provider": "Госуслуги",
		"Subject": "CN=Анна", "Issuer": "CN=CA", "NotAfter": "2027-01-01", "Fingerprint": "ab12",
		"Title": "Оплата получена", "Body": "Мы получили 12 000 ₽.", "URL": "https://example.org/payments/1", "Short": "Оплата получена",
		"Paragraphs": []string{"Открыта запись."}, "UnsubscribeURL": "https://example.org/api/v1/mailings/unsubscribe?token=x",
		"ProgramTitle": "Педагогика", "GroupCode": "ПК-01", "Reason": "Документы в порядке",
	}
	sms := map[string]bool{"contact_code_sms": true, "password_reset_sms": true, "notification_sms": true}
	for key := range tpl.text {
		name, locale, _ := strings.Cut(key, ".")
		channel := Email
		if sms[name] {
			channel = SMS
		}
		r, err := tpl.Render(Message{Channel: channel, Template: name, Locale: locale, Data: data})
		switch {
		case err != nil:
			t.Errorf("%s: %v", key, err)
		case r.Text == "":
			t.Errorf("%s: no text", key)
		case channel == Email && (r.Subject == "" || strings.Contains(r.Subject, "\n") || r.HTML == ""):
			t.Errorf("%s: subject %q, HTML %q", key, r.Subject, r.HTML)
		case channel == SMS && len([]rune(r.Text)) > 140:
			t.Errorf("%s: %d characters, too long for one SMS", key, len([]rune(r.Text)))
		}
	}
}
