package pdf_test

import (
	"bytes"
	"errors"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/kabinet-edu/kabinet/internal/pdf"
)

var (
	kitOnce sync.Once
	kit     *pdf.Kit
	kitErr  error
)

func newKit(t testing.TB) *pdf.Kit {
	t.Helper()
	kitOnce.Do(func() { kit, kitErr = pdf.New() })
	if kitErr != nil {
		t.Fatal(kitErr)
	}
	return kit
}

var issued = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

var seller = pdf.Party{
	Name: "АНО ДПО «Учебный центр Экстерн»", INN: "7701234567", KPP: "770101001",
	Address: "г. Москва, ул. Учебная, д. 1", Bank: "ПАО Сбербанк, г. Москва", BIK: "044525225",
	Account: "40703810938000012345", CorrAccount: "30101810400000000225",
}

var buyer = pdf.Party{Name: "ООО «Ромашка»", INN: "7812345678", KPP: "781201001", Address: "г. Санкт-Петербург, Невский пр., д. 10"}

var items = []pdf.Item{
	{Name: "Обучение по программе «Педагог дополнительного образования», 72 ч (Иванова А. С.)", Quantity: 1, Price: 1500000},
	{Name: "Обучение по программе «Охрана труда», 40 ч", Quantity: 3, Price: 78150},
}

func certificate() pdf.Completion {
	from, to := issued.AddDate(0, -1, 0), issued.AddDate(0, 0, -1)
	return pdf.Completion{
		Kind: pdf.Qualification, HolderName: "Иванова Анна Сергеевна", Program: "Педагог дополнительного образования",
		Hours: 72, From: &from, To: &to, RegistrationNumber: "2026-000123", IssueDate: issued, City: "Москва",
		Organization: "АНО ДПО «Учебный центр Экстерн»", Licence: "Лицензия № Л035-01298-77/00180002 от 12.03.2021",
		SignatoryTitle: "Директор", SignatoryName: "П. П. Петров",
		VerifyURL: "https://kabinet.example.org/verify/2026-000123",
	}
}

// pdfText extracts a PDF's text with pdftotext, or skips when poppler-utils
// is missing (scripts/test.sh installs it).
func pdfText(t *testing.T, doc []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(doc)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// Text extraction turns no-break spaces into spaces or keeps them.
	return strings.ReplaceAll(string(out), "\u00a0", " ")
}

func TestDocuments(t *testing.T) {
	k := newKit(t)
	payUntil := issued.AddDate(0, 0, 5)
	tests := []struct {
		name   string
		render func() ([]byte, error)
		want   []string
	}{
		{"invoice without VAT", func() ([]byte, error) {
			return k.Invoice(pdf.Invoice{Number: "С-2026-0042", Date: issued, Seller: seller, Buyer: buyer, Items: items,
				Basis: "Договор № 17 от 20 ноября 2026 г.", PayUntil: &payUntil, Director: "Петров П. П.", Accountant: "Сидорова Е. В."})
		}, []string{
			"Счёт на оплату № С-2026-0042 от 1 декабря 2026 г.", "ИНН 7701234567", "КПП 770101001", "044525225",
			"40703810938000012345", "30101810400000000225", "ООО «Ромашка»", "Обучение по программе «Педагог", "Без налога (НДС)",
			"17 344,50", "Всего наименований 2, на сумму 17 344,50 ₽",
			"Семнадцать тысяч триста сорок четыре рубля 50 копеек", "Оплатить не позднее 6 декабря 2026 г.",
		}},
		{"invoice with VAT", func() ([]byte, error) {
			return k.Invoice(pdf.Invoice{Number: "7", Date: issued, Seller: seller, Buyer: buyer, Items: items[:1], VAT: pdf.VAT{RatePercent: 20}})
		}, []string{"В том числе НДС (20%):", "2 500,00", "Пятнадцать тысяч рублей 00 копеек"}},
		{"act", func() ([]byte, error) {
			return k.Act(pdf.Act{Number: "А-15", Date: issued, Executor: seller, Customer: buyer, Items: items,
				Basis: "Счёт № С-2026-0042", ExecutorSignatory: "Петров П. П.", CustomerSignatory: "Смирнов И. И."})
		}, []string{"Акт № А-15 от 1 декабря 2026 г.", "Исполнитель:", "Заказчик:", "претензий", "Всего оказано услуг 2, на сумму 17 344,50 ₽", "ЗАКАЗЧИК"}},
		{"удостоверение", func() ([]byte, error) { return k.Completion(certificate()) }, []string{
			"УДОСТОВЕРЕНИЕ", "о повышении квалификации", "Иванова Анна Сергеевна", "«Педагог дополнительного образования»",
			"в объёме 72 академических часов", "2026-000123", "1 декабря 2026 г.", "Лицензия № Л035-01298-77/00180002",
			"с 01.11.2026 по 30.11.2026", "https://kabinet.example.org/verify/2026-000123",
		}},
		{"диплом", func() ([]byte, error) {
			c := certificate()
			c.Kind, c.Hours = pdf.Retraining, 251
			return k.Completion(c)
		}, []string{"ДИПЛОМ", "о профессиональной переподготовке", "251 академического часа"}},
		{"сертификат", func() ([]byte, error) {
			c := certificate()
			c.Kind, c.Hours, c.From, c.To = pdf.Certificate, 16, nil, nil
			return k.Completion(c)
		}, []string{"СЕРТИФИКАТ", "прошёл(а) обучение по программе", "16 академических часов"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := tt.render()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(doc, []byte("%PDF-")) {
				t.Fatalf("not a PDF: %q", doc[:min(len(doc), 16)])
			}
			if dir := os.Getenv("KABINET_PDF_OUT"); dir != "" {
				_ = os.WriteFile(filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".pdf"), doc, 0o644)
			}
			got := strings.Join(strings.Fields(pdfText(t, doc)), " ")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("text lacks %q\n--- text ---\n%s", w, got)
				}
			}
		})
	}
}

func TestRefusesIncompleteDocuments(t *testing.T) {
	k := newKit(t)
	noBank := seller
	noBank.BIK = ""
	c := certificate()
	c.VerifyURL = ""
	for name, err := range map[string]error{
		"invoice without bank":    second(k.Invoice(pdf.Invoice{Number: "1", Date: issued, Seller: noBank, Buyer: buyer, Items: items})),
		"invoice without items":   second(k.Invoice(pdf.Invoice{Number: "1", Date: issued, Seller: seller, Buyer: buyer})),
		"act without customer":    second(k.Act(pdf.Act{Number: "1", Date: issued, Executor: seller, Items: items})),
		"certificate without URL": second(k.Completion(c)),
		"unknown kind": second(k.Completion(pdf.Completion{Kind: "medal", HolderName: "x", Program: "y", Hours: 1,
			RegistrationNumber: "1", Organization: "o", VerifyURL: "u"})),
	} {
		if !errors.Is(err, pdf.ErrInvalidDocument) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func second(_ []byte, err error) error { return err }

func TestQRPNGDecodes(t *testing.T) {
	const url = "https://kabinet.example.org/verify/2026-000123"
	png, err := pdf.QRPNG(url, 256)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil || res.GetText() != url {
		t.Fatalf("decoded %v, %v", res, err)
	}
}

// The QR code printed on the certificate reads back as its verification
// URL: the page is rasterized (pdftoppm) and scanned (zbarimg).
func TestCertificateQRScans(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "zbarimg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	doc, err := newKit(t).Completion(certificate())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "c.pdf")
	if err := os.WriteFile(in, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "150", "-png", "-singlefile", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	out, err := exec.Command("zbarimg", "-q", "--raw", filepath.Join(dir, "page.png")).Output()
	if err != nil {
		t.Fatalf("zbarimg found no code: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != certificate().VerifyURL {
		t.Fatalf("QR reads %q", got)
	}
}

func TestDateRU(t *testing.T) {
	if got := pdf.DateRU(time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)); got != "8 марта 2026 г." {
		t.Errorf("DateRU = %q", got)
	}
}

// BenchmarkCertificate reports the 95th percentile too (goal: ≤ 100 ms).
func BenchmarkCertificate(b *testing.B) {
	k := newKit(b)
	c := certificate()
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := k.Completion(c); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
}

func BenchmarkInvoice(b *testing.B) {
	k := newKit(b)
	inv := pdf.Invoice{Number: "1", Date: issued, Seller: seller, Buyer: buyer, Items: items}
	for b.Loop() {
		if _, err := k.Invoice(inv); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCertificateConcurrent renders from 4 goroutines per CPU at
// once, as concurrent downloads and issuances do, and reports the 95th
// percentile of one document's latency under that load.
func BenchmarkCertificateConcurrent(b *testing.B) {
	k := newKit(b)
	c := certificate()
	var mu sync.Mutex
	var took []time.Duration
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			start := time.Now()
			if _, err := k.Completion(c); err != nil {
				b.Error(err)
				return
			}
			d := time.Since(start)
			mu.Lock()
			took = append(took, d)
			mu.Unlock()
		}
	})
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
}

// Documents render in parallel (each over its own copy of the font bytes,
// which gofpdf writes to): under -race, eight at once of each kind come
// out as one alone does — the same size (gofpdf names fonts at random, so
// the bytes differ) and, when pdftotext is installed, the same text.
func TestConcurrentRendersAgree(t *testing.T) {
	k := newKit(t)
	inv := pdf.Invoice{Number: "1", Date: issued, Seller: seller, Buyer: buyer, Items: items}
	jobs := []func() ([]byte, error){
		func() ([]byte, error) { return k.Completion(certificate()) },
		func() ([]byte, error) { return k.Invoice(inv) },
	}
	want := make([][]byte, len(jobs))
	for i, j := range jobs {
		doc, err := j()
		if err != nil {
			t.Fatal(err)
		}
		want[i] = doc
	}
	_, err := exec.LookPath("pdftotext")
	readable := err == nil
	texts := make([]string, len(jobs))
	for i := range want {
		if readable {
			texts[i] = pdfText(t, want[i])
		}
	}
	type rendered struct {
		i   int
		doc []byte
	}
	done := make(chan rendered, 8*len(jobs))
	var wg sync.WaitGroup
	for range 8 {
		for i, j := range jobs {
			wg.Go(func() {
				doc, err := j()
				if err != nil {
					t.Error(err)
					return
				}
				if len(doc) != len(want[i]) || !bytes.HasPrefix(doc, []byte("%PDF-")) {
					t.Errorf("document %d rendered concurrently: %d bytes, want %d", i, len(doc), len(want[i]))
				}
				done <- rendered{i, doc}
			})
		}
	}
	wg.Wait()
	close(done)
	for r := range done {
		if !readable {
			break
		}
		if got := pdfText(t, r.doc); got != texts[r.i] {
			t.Errorf("document %d rendered concurrently reads differently:\n%s", r.i, got)
		}
	}
}
