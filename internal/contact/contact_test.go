package contact

import (
	"errors"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"Anna.Ivanova@Example.ORG", "anna.ivanova@example.org", nil},
		{"  user@mail.ru ", "user@mail.ru", nil},
		{"user", "", ErrInvalidEmail},
		{"user@localhost", "", ErrInvalidEmail},
		{"Anna <anna@example.org>", "", ErrInvalidEmail},
		{"@example.org", "", ErrInvalidEmail},
		{"a@b.", "", ErrInvalidEmail},
		{"", "", ErrInvalidEmail},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestNormalizeMobile(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"+7 (921) 123-45-67", "+79211234567", nil},
		{"8 (921) 123-45-67", "+79211234567", nil},
		{"89211234567", "+79211234567", nil},
		{"+359 88 123 4567", "+359881234567", nil},
		{"+7 (495) 123-45-67", "", ErrNotMobile}, // Moscow fixed line
		{"12345", "", ErrInvalidPhone},
		{"phone", "", ErrInvalidPhone},
	}
	for _, tt := range tests {
		got, err := NormalizeMobile(tt.in, "RU")
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("NormalizeMobile(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestNormalizePhoneAcceptsFixedLines(t *testing.T) {
	got, err := NormalizePhone("+7 (495) 123-45-67", "RU")
	if err != nil || got != "+74951234567" {
		t.Fatalf("NormalizePhone = %q, %v", got, err)
	}
}
