package web

import "testing"

func TestLoginKeyNormalizesLikeTheLookup(t *testing.T) {
	for in, want := range map[string]string{
		" Anna@Example.ORG ":      "anna@example.org",
		"8 (921) 123-45-67":       "+79211234567",
		"+7 921 123 45 67":        "+79211234567",
		"  Just-A-Name ":          "just-a-name",
		"not an @ address at all": "not an @ address at all",
	} {
		if got := LoginKey(in, "RU"); got != want {
			t.Errorf("LoginKey(%q) = %q, want %q", in, got, want)
		}
	}
}
