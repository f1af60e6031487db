package config

import (
	"net/url"
	"strings"
	"time"

	"github.com/kabinet-edu/kabinet/internal/payments"
)

// Payment providers (KABINET_PAYMENT_PROVIDER).
const (
	PaymentProviderSandbox  = "sandbox"
	PaymentProviderYooKassa = "yookassa"
)

// Payments configures online payment: the provider, where the payer comes
// back to, which addresses may send notifications, and reconciliation.
type Payments struct {
	// Provider is sandbox (our own confirmation page; development only) or
	// yookassa.
	Provider string
	// ReturnURL is the SPA page the provider sends the payer back to;
	// {orderId} is replaced by the order's id.
	ReturnURL string
	// WebhookSources are the addresses (CIDR ranges or single addresses)
	// notifications are accepted from.
	WebhookSources []string
	// ReconcileInterval is how often open payments are re-fetched from the
	// provider; ReconcileAfter is how old an open payment must be for that.
	ReconcileInterval time.Duration
	ReconcileAfter    time.Duration
	// NoticeInterval is how often installment reminders and overdue
	// notices are looked for.
	NoticeInterval time.Duration
	// InvoiceNumberPattern numbers employer invoices and acts
	// (internal/docnumber; one sequence per organization and kind).
	InvoiceNumberPattern string
	// VATCode is the 54-ФЗ VAT code on receipts (1: без НДС, educational
	// services of licensed centers).
	VATCode int
	// YooKassa is the shop's credentials.
	YooKassaShopID    string
	YooKassaSecretKey string
	YooKassaBaseURL   string
}

func loadPayments(l *loader, c *Config) {
	provider := l.str("KABINET_PAYMENT_PROVIDER", PaymentProviderSandbox)
	sources := []string{"127.0.0.1/32", "::1/128"}
	if provider == PaymentProviderYooKassa {
		sources = payments.YooKassaSources()
	}
	c.Payments = Payments{
		Provider:             provider,
		ReturnURL:            l.str("KABINET_PAYMENT_RETURN_URL", "http://localhost:5173/orders/{orderId}"),
		WebhookSources:       l.list("KABINET_PAYMENT_WEBHOOK_SOURCES", sources),
		ReconcileInterval:    l.dur("KABINET_PAYMENT_RECONCILE_INTERVAL", 5*time.Minute),
		ReconcileAfter:       l.dur("KABINET_PAYMENT_RECONCILE_AFTER", 2*time.Minute),
		VATCode:              l.int("KABINET_RECEIPT_VAT_CODE", int(payments.VATNone)),
		NoticeInterval:       l.dur("KABINET_INSTALLMENT_NOTICE_INTERVAL", time.Hour),
		InvoiceNumberPattern: l.str("KABINET_INVOICE_NUMBER_PATTERN", "{year}-{seq:05}"),
		YooKassaShopID:       l.str("KABINET_YOOKASSA_SHOP_ID", ""),
		YooKassaSecretKey:    l.getenv("KABINET_YOOKASSA_SECRET_KEY"),
		YooKassaBaseURL:      l.str("KABINET_YOOKASSA_BASE_URL", ""),
	}
}

func (c Config) validatePayments(bad func(string, ...any)) {
	p := c.Payments
	switch p.Provider {
	case PaymentProviderSandbox:
		// Allowed everywhere, but its page is served only in development:
		// in production a sandbox payment can never succeed.
	case PaymentProviderYooKassa:
		if p.YooKassaShopID == "" || p.YooKassaSecretKey == "" {
			bad("KABINET_YOOKASSA_SHOP_ID and KABINET_YOOKASSA_SECRET_KEY are required with KABINET_PAYMENT_PROVIDER=yookassa")
		}
	default:
		bad("KABINET_PAYMENT_PROVIDER must be %q or %q, got %q", PaymentProviderSandbox, PaymentProviderYooKassa, p.Provider)
	}
	if u, err := url.Parse(strings.ReplaceAll(p.ReturnURL, "{orderId}", "x")); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		bad("KABINET_PAYMENT_RETURN_URL must be an absolute http(s) URL, got %q", p.ReturnURL)
	}
	if _, err := payments.ParseSources(p.WebhookSources); err != nil {
		bad("KABINET_PAYMENT_WEBHOOK_SOURCES: %v", err)
	}
	if p.ReconcileInterval < 10*time.Second || p.ReconcileAfter < 10*time.Second {
		bad("KABINET_PAYMENT_RECONCILE_INTERVAL and KABINET_PAYMENT_RECONCILE_AFTER must be at least 10s")
	}
	if p.NoticeInterval < 10*time.Second {
		bad("KABINET_INSTALLMENT_NOTICE_INTERVAL must be at least 10s")
	}
	if p.InvoiceNumberPattern == "" || len(p.InvoiceNumberPattern) > 100 || !strings.Contains(p.InvoiceNumberPattern, "{seq") {
		bad("KABINET_INVOICE_NUMBER_PATTERN must hold {seq} (see internal/docnumber), got %q", p.InvoiceNumberPattern)
	}
	if p.VATCode < int(payments.VATNone) || p.VATCode > int(payments.VAT22of122) {
		bad("KABINET_RECEIPT_VAT_CODE must be 1–12 (ЮKassa's vat_code)")
	}
}
