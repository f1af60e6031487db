package money

import "strings"

// InWords spells an amount of rubles in Russian words, as an invoice's
// "Сумма прописью" line does, with the kopecks in digits:
// 123450 → "одна тысяча двести тридцать четыре рубля 50 копеек".
// Negative amounts get "минус" in front.
func InWords(kopecks int64) string {
	sign, units, cents := split(kopecks)
	var parts []string
	if sign != "" {
		parts = append(parts, "минус")
	}
	parts = append(parts, numberWords(units, masculine), plural(units, "рубль", "рубля", "рублей"))
	parts = append(parts, twoDigits(cents), plural(cents, "копейка", "копейки", "копеек"))
	return strings.Join(parts, " ")
}

// Capitalize upper-cases the first letter: documents start the amount in
// words with a capital ("Одна тысяча …").
func Capitalize(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

type gender int

const (
	masculine gender = iota
	feminine
)

var (
	onesM = []string{"", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"}
	onesF = []string{"", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"}
	teens = []string{"десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать",
		"пятнадцать", "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать"}
	tens = []string{"", "", "двадцать", "тридцать", "сорок", "пятьдесят",
		"шестьдесят", "семьдесят", "восемьдесят", "девяносто"}
	hundreds = []string{"", "сто", "двести", "триста", "четыреста", "пятьсот",
		"шестьсот", "семьсот", "восемьсот", "девятьсот"}
)

// scales are the names of each group of three digits above the units, with
// the grammatical gender their numeral takes (одна тысяча, один миллион).
var scales = []struct {
	one, few, many string
	g              gender
}{
	{"тысяча", "тысячи", "тысяч", feminine},
	{"миллион", "миллиона", "миллионов", masculine},
	{"миллиард", "миллиарда", "миллиардов", masculine},
	{"триллион", "триллиона", "триллионов", masculine},
	{"квадриллион", "квадриллиона", "квадриллионов", masculine},
	{"квинтиллион", "квинтиллиона", "квинтиллионов", masculine},
}

// numberWords spells n, its last group in gender g.
func numberWords(n uint64, g gender) string {
	if n == 0 {
		return "ноль"
	}
	var groups []uint64
	for ; n > 0; n /= 1000 {
		groups = append(groups, n%1000)
	}
	var out []string
	for i := len(groups) - 1; i >= 0; i-- {
		v := groups[i]
		if v == 0 {
			continue
		}
		if i == 0 {
			out = append(out, triad(v, g))
			continue
		}
		s := scales[i-1]
		out = append(out, triad(v, s.g), plural(v, s.one, s.few, s.many))
	}
	return strings.Join(out, " ")
}

func triad(n uint64, g gender) string {
	var w []string
	if h := n / 100; h > 0 {
		w = append(w, hundreds[h])
	}
	switch t := n % 100; {
	case t >= 10 && t < 20:
		w = append(w, teens[t-10])
	default:
		if t/10 > 0 {
			w = append(w, tens[t/10])
		}
		if u := t % 10; u > 0 {
			if g == feminine {
				w = append(w, onesF[u])
			} else {
				w = append(w, onesM[u])
			}
		}
	}
	return strings.Join(w, " ")
}

// plural picks the form a Russian noun takes after n: 1 рубль, 2 рубля,
// 5 рублей, 11 рублей, 21 рубль.
func plural(n uint64, one, few, many string) string {
	if t := n % 100; t >= 11 && t <= 14 {
		return many
	}
	switch n % 10 {
	case 1:
		return one
	case 2, 3, 4:
		return few
	}
	return many
}

func twoDigits(n uint64) string {
	const d = "0123456789"
	return string([]byte{d[n/10%10], d[n%10]})
}
