package money_test

import (
	"errors"
	"math"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/money"
)

func TestDecimalRoundTrip(t *testing.T) {
	tests := []struct {
		kopecks int64
		s       string
	}{
		{0, "0.00"}, {5, "0.05"}, {50, "0.50"}, {100, "1.00"}, {12345, "123.45"},
		{-150, "-1.50"}, {-5, "-0.05"}, {math.MaxInt64, "92233720368547758.07"},
	}
	for _, tt := range tests {
		if got := money.Decimal(tt.kopecks); got != tt.s {
			t.Errorf("Decimal(%d) = %q, want %q", tt.kopecks, got, tt.s)
		}
		got, err := money.ParseDecimal(tt.s)
		if err != nil || got != tt.kopecks {
			t.Errorf("ParseDecimal(%q) = %d, %v; want %d", tt.s, got, err, tt.kopecks)
		}
	}
	if got := money.Decimal(math.MinInt64); got != "-92233720368547758.08" {
		t.Errorf("Decimal(MinInt64) = %q", got)
	}
}

func TestParseDecimal(t *testing.T) {
	ok := map[string]int64{"123": 12300, "123.4": 12340, "0.1": 10, "007.70": 770, "-2": -200}
	for s, want := range ok {
		if got, err := money.ParseDecimal(s); err != nil || got != want {
			t.Errorf("ParseDecimal(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "-", ".5", "1.", "1.234", "1,50", "1e3", " 1.00", "+1", "abc", "1.0a",
		"99999999999999999999", "92233720368547758.08"} {
		if _, err := money.ParseDecimal(s); !errors.Is(err, money.ErrInvalidDecimal) {
			t.Errorf("ParseDecimal(%q) err = %v, want ErrInvalidDecimal", s, err)
		}
	}
}

func TestFormat(t *testing.T) {
	const nb = "\u00a0"
	tests := []struct {
		kopecks  int64
		currency string
		want     string
	}{
		{123450, "RUB", "1" + nb + "234,50" + nb + "₽"},
		{5, "RUB", "0,05" + nb + "₽"},
		{100000000, "RUB", "1" + nb + "000" + nb + "000,00" + nb + "₽"},
		{99999, "RUB", "999,99" + nb + "₽"},
		{-123450, "RUB", "-1" + nb + "234,50" + nb + "₽"},
		{1000, "USD", "10,00" + nb + "$"},
		{1000, "KZT", "10,00" + nb + "KZT"},
	}
	for _, tt := range tests {
		if got := money.Format(tt.kopecks, tt.currency); got != tt.want {
			t.Errorf("Format(%d, %s) = %q, want %q", tt.kopecks, tt.currency, got, tt.want)
		}
	}
	if got := money.FormatPlain(123450); got != "1"+nb+"234,50" {
		t.Errorf("FormatPlain = %q", got)
	}
}

func TestInWords(t *testing.T) {
	tests := []struct {
		kopecks int64
		want    string
	}{
		{123450, "одна тысяча двести тридцать четыре рубля 50 копеек"},
		{0, "ноль рублей 00 копеек"},
		{101, "один рубль 01 копейка"},
		{202, "два рубля 02 копейки"},
		{1100, "одиннадцать рублей 00 копеек"},
		{2100, "двадцать один рубль 00 копеек"},
		{11111, "сто одиннадцать рублей 11 копеек"},
		{200000, "две тысячи рублей 00 копеек"},
		{500000, "пять тысяч рублей 00 копеек"},
		{1100000, "одиннадцать тысяч рублей 00 копеек"},
		{2200000, "двадцать две тысячи рублей 00 копеек"},
		{100000000, "один миллион рублей 00 копеек"},
		{300000000000, "три миллиарда рублей 00 копеек"},
		{100100000, "один миллион одна тысяча рублей 00 копеек"},
		{4500002100, "сорок пять миллионов двадцать один рубль 00 копеек"},
		{99999999, "девятьсот девяносто девять тысяч девятьсот девяносто девять рублей 99 копеек"},
		{-1500, "минус пятнадцать рублей 00 копеек"},
	}
	for _, tt := range tests {
		if got := money.InWords(tt.kopecks); got != tt.want {
			t.Errorf("InWords(%d) = %q, want %q", tt.kopecks, got, tt.want)
		}
	}
	if got := money.Capitalize("одна тысяча"); got != "Одна тысяча" {
		t.Errorf("Capitalize = %q", got)
	}
}

func TestVATIncluded(t *testing.T) {
	tests := []struct{ gross, rate, want int64 }{
		{12000, 20, 2000}, {100, 20, 17}, {1000, 10, 91}, {12345, 0, 0}, {1, 20, 0}, {3, 20, 1},
	}
	for _, tt := range tests {
		if got := money.VATIncluded(tt.gross, tt.rate); got != tt.want {
			t.Errorf("VATIncluded(%d, %d) = %d, want %d", tt.gross, tt.rate, got, tt.want)
		}
	}
}
