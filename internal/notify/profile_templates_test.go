package notify

import (
	"strings"
	"testing"
)

// The messages of the profile flows render in both locales with the data
// their handlers pass.
func TestProfileTemplates(t *testing.T) {
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Message{
		{Channel: Email, Template: "contact_code_email", Data: map[string]any{"FirstName": "Анна", "Code": "042917", "Minutes": 15}},
		{Channel: SMS, Template: "contact_code_sms", Data: map[string]any{"FirstName": "Анна", "Code": "042917", "Minutes": 15}},
		{Channel: Email, Template: "email_changed", Data: map[string]any{"FirstName": "Анна", "NewEmail": "n***@example.org"}},
		{Channel: Email, Template: "phone_changed", Data: map[string]any{"FirstName": "Анна", "NewPhone": "+7921*****34"}},
		{Channel: Email, Template: "account_closed", Data: map[string]any{"FirstName": "Анна"}},
	} {
		for _, locale := range []string{"ru", "en"} {
			m.Locale = locale
			r, err := tpl.Render(m)
			if err != nil {
				t.Errorf("%s.%s: %v", m.Template, locale, err)
				continue
			}
			if r.Text == "" || (m.Channel == Email && (r.Subject == "" || r.HTML == "")) {
				t.Errorf("%s.%s: empty parts %+v", m.Template, locale, r)
			}
			for _, v := range m.Data {
				if s, ok := v.(string); ok && !strings.Contains(r.Text, s) && m.Channel == Email {
					t.Errorf("%s.%s: text lacks %q", m.Template, locale, s)
				}
			}
			if m.Channel == SMS && len([]rune(r.Text)) > 140 {
				t.Errorf("%s.%s: %d characters, too long for one SMS", m.Template, locale, len([]rune(r.Text)))
			}
		}
	}
}
