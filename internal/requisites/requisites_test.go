package requisites_test

import (
	"errors"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/requisites"
)

type check struct {
	in, want string
	code     string // "" for valid
}

func run(t *testing.T, name string, fn func(string) (string, error), cases []check) {
	t.Helper()
	for _, c := range cases {
		got, err := fn(c.in)
		if c.code == "" {
			if err != nil || got != c.want {
				t.Errorf("%s(%q) = %q, %v; want %q", name, c.in, got, err, c.want)
			}
			continue
		}
		var re *requisites.Error
		if !errors.As(err, &re) || re.Code != c.code || re.Message == "" {
			t.Errorf("%s(%q) = %q, %v; want code %s", name, c.in, got, err, c.code)
		}
	}
}

const (
	format   = requisites.CodeFormat
	checksum = requisites.CodeChecksum
)

func TestINN(t *testing.T) {
	run(t, "INN", requisites.INN, []check{
		{"7707083893", "7707083893", ""},     // ПАО Сбербанк
		{"7736207543", "7736207543", ""},     // ООО «Яндекс»
		{"7728168971", "7728168971", ""},     // АО «Альфа-Банк»
		{" 7707 083 893 ", "7707083893", ""}, // spaces typed
		{"500100732259", "500100732259", ""}, // a person
		{"7707083894", "", checksum},
		{"500100732258", "", checksum},
		{"500100732269", "", checksum},
		{"0000000000", "", format},
		{"770708389", "", format},
		{"77070838931", "", format},
		{"77O7083893", "", format},
		{"", "", format},
	})
	run(t, "LegalINN", requisites.LegalINN, []check{{"7707083893", "7707083893", ""}, {"500100732259", "", format}})
	run(t, "PersonINN", requisites.PersonINN, []check{{"500100732259", "500100732259", ""}, {"7707083893", "", format}})
}

func TestKPP(t *testing.T) {
	run(t, "KPP", requisites.KPP, []check{
		{"773601001", "773601001", ""}, // Сбербанк
		{"7736 01 001", "773601001", ""},
		{"7736ab001", "7736AB001", ""}, // reason codes may be letters
		{"77360100", "", format},
		{"7736010011", "", format},
		{"77A601001", "", format},
		{"773601A01", "", format},
		{"7736Я1001", "", format},
	})
}

func TestOGRN(t *testing.T) {
	run(t, "OGRN", requisites.OGRN, []check{
		{"1027700132195", "1027700132195", ""}, // Сбербанк
		{"1027700229193", "1027700229193", ""}, // Яндекс
		{"1027700132196", "", checksum},
		{"3027700132195", "", format},
		{"102770013219", "", format},
	})
	run(t, "OGRNIP", requisites.OGRNIP, []check{
		{"304500116000157", "304500116000157", ""},
		{"304500116000158", "", checksum},
		{"104500116000157", "", format},
		{"30450011600015", "", format},
	})
}

func TestBankAccounts(t *testing.T) {
	run(t, "BIK", requisites.BIK, []check{
		{"044525225", "044525225", ""}, // Сбербанк, Москва
		{"044525593", "044525593", ""}, // Альфа-Банк
		{"04452522", "", format},
		{"144525225", "", format},
	})
	settlement := func(bik string) func(string) (string, error) {
		return func(a string) (string, error) { return requisites.SettlementAccount(a, bik) }
	}
	run(t, "SettlementAccount", settlement("044525225"), []check{
		{"40702810638000000000", "40702810638000000000", ""},
		{"4070 2810 6380 0000 0000", "40702810638000000000", ""},
		{"40702810938000000000", "", checksum},
		{"4070281063800000000", "", format},
	})
	run(t, "SettlementAccount/bad BIK", settlement("123"), []check{{"40702810638000000000", "", format}})
	// The same account at another bank fails: the key includes the BIK.
	run(t, "SettlementAccount/other bank", settlement("044525593"), []check{{"40702810638000000000", "", checksum}})

	corr := func(bik string) func(string) (string, error) {
		return func(a string) (string, error) { return requisites.CorrespondentAccount(a, bik) }
	}
	run(t, "CorrespondentAccount", corr("044525225"), []check{
		{"30101810400000000225", "30101810400000000225", ""},
		{"30101810400000000226", "", checksum},
		{"40702810638000000000", "", format},
	})
	run(t, "CorrespondentAccount/Alfa", corr("044525593"), []check{
		{"30101810200000000593", "30101810200000000593", ""},
	})
	// Сбербанк's Северо-Западный банк, Санкт-Петербург: another region's
	// digits 5-6 (03) in the key.
	run(t, "CorrespondentAccount/Petersburg", corr("044030653"), []check{
		{"30101810500000000653", "30101810500000000653", ""},
		{"30101810400000000225", "", checksum},
	})
}

func TestSNILS(t *testing.T) {
	run(t, "SNILS", requisites.SNILS, []check{
		{"112-233-445 95", "11223344595", ""},
		{"11223344595", "11223344595", ""},
		{"112 233 445 95", "11223344595", ""},
		{"001-001-997 00", "00100199700", ""}, // below the checked range
		{"112-233-445 96", "", checksum},
		{"00000000000", "", format},
		{"112-233-445", "", format},
		{"112-233-445 9x", "", format},
	})
	if got := requisites.FormatSNILS("11223344595"); got != "112-233-445 95" {
		t.Errorf("FormatSNILS = %q", got)
	}
	if got := requisites.FormatSNILS("bad"); got != "bad" {
		t.Errorf("FormatSNILS(bad) = %q", got)
	}
}

// TestSNILSCheckEdge: a sum above 101 is taken mod 101, and sums of 100
// and 101 give the check 00.
func TestSNILSCheckEdge(t *testing.T) {
	for _, n := range []string{
		"987-654-321 83", // 285 mod 101 = 83
		"555-555-550 18", // 220 mod 101 = 18
		"002-008-999 00", // 100 → 00
		"002-009-899 00", // 101 → 00
	} {
		if _, err := requisites.SNILS(n); err != nil {
			t.Errorf("SNILS(%q): %v", n, err)
		}
	}
	if _, err := requisites.SNILS("002-008-999 10"); err == nil {
		t.Error("a check of 100 written as 10 was accepted")
	}
}

func TestCitizenship(t *testing.T) {
	cases := []struct {
		in, code, name string
		errCode        string
	}{
		{"643", "643", "Россия", ""},
		{"398", "398", "Казахстан", ""},
		{"860", "860", "Узбекистан", ""},
		{"31", "031", "Азербайджан", ""},
		{"ru", "643", "Россия", ""},
		{"BLR", "112", "Беларусь", ""},
		{"895", "895", "Абхазия", ""},
		{"999", "", "", requisites.CodeUnknown},
		{"Russia", "", "", format},
		{"", "", "", format},
	}
	for _, c := range cases {
		got, err := requisites.Citizenship(c.in)
		if c.errCode == "" {
			if err != nil || got.Code != c.code || got.Name != c.name {
				t.Errorf("Citizenship(%q) = %+v, %v", c.in, got, err)
			}
			continue
		}
		var re *requisites.Error
		if !errors.As(err, &re) || re.Code != c.errCode {
			t.Errorf("Citizenship(%q) = %+v, %v; want %s", c.in, got, err, c.errCode)
		}
	}
	all := requisites.Countries()
	if len(all) < 250 {
		t.Fatalf("only %d countries", len(all))
	}
	seen := map[string]bool{}
	for i, c := range all {
		if len(c.Code) != 3 || len(c.Alpha2) != 2 || len(c.Alpha3) != 3 || c.Name == "" || seen[c.Code] {
			t.Errorf("bad entry %+v", c)
		}
		if i > 0 && all[i-1].Code >= c.Code {
			t.Errorf("not sorted at %s", c.Code)
		}
		seen[c.Code] = true
	}
	cis := requisites.CISCountries()
	if len(cis) != 9 || cis[0].Code != requisites.CodeRussia {
		t.Fatalf("CIS = %+v", cis)
	}
	for _, c := range cis {
		if c.Name == "" {
			t.Errorf("CIS member missing from the table: %+v", c)
		}
	}
}
