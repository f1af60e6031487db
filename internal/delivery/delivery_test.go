package delivery_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/delivery"
	"github.com/kabinet-edu/kabinet/internal/notify"
)

func TestSendersFallBackToTheLogPerChannel(t *testing.T) {
	var cfg config.Config
	s, err := delivery.Senders(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s[notify.Email].(delivery.LogSender); !ok {
		t.Errorf("e-mail sender without SMTP: %T", s[notify.Email])
	}
	if _, ok := s[notify.SMS].(delivery.LogSender); !ok {
		t.Errorf("SMS sender without a gateway: %T", s[notify.SMS])
	}

	cfg.SMTP = config.SMTP{Host: "smtp.example.org", Port: 587, From: "no-reply@example.org", TLS: config.SMTPTLSStartTLS}
	cfg.SMS = config.SMS{GatewayURL: "https://sms.ru", APIKey: "key"}
	s, err = delivery.Senders(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s[notify.Email].(*delivery.SMTPSender); !ok {
		t.Errorf("e-mail sender with SMTP: %T", s[notify.Email])
	}
	if _, ok := s[notify.SMS].(*delivery.SMSSender); !ok {
		t.Errorf("SMS sender with a gateway: %T", s[notify.SMS])
	}
}

func TestLogSenderLogsTheWholeMessage(t *testing.T) {
	var buf bytes.Buffer
	s := delivery.LogSender{Log: slog.New(slog.NewJSONHandler(&buf, nil))}
	if err := s.Send(context.Background(), smsMessage()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"to":"+79211234567"`, `"text":"Код подтверждения: 123456"`, `"template":"phone_code"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log %s lacks %s", buf.String(), want)
		}
	}
}

func TestPermanentWrapsAndIsDetected(t *testing.T) {
	base := errors.New("550 no such user")
	err := delivery.Permanent(base)
	if !delivery.IsPermanent(err) || !errors.Is(err, base) || err.Error() != base.Error() {
		t.Errorf("Permanent(%v) = %v", base, err)
	}
	if delivery.IsPermanent(base) || delivery.Permanent(nil) != nil {
		t.Error("plain errors and nil are not permanent")
	}
}
