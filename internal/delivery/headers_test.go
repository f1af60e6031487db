package delivery_test

import (
	"context"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/delivery"
)

// A mailing's extra headers (the one-click unsubscribe of RFC 8058) are on
// the message the SMTP server receives.
func TestSMTPSenderSetsTheMessagesExtraHeaders(t *testing.T) {
	t.Parallel()
	mb := &mailbox{}
	startMailbox(t, mb, config.SMTPTLSNone)
	s, err := delivery.NewSMTPSender(smtpConfig(mb, config.SMTPTLSNone), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := outboxMessage()
	link := "https://kabinet.example.org/api/v1/mailings/unsubscribe?token=un_ABC"
	m.Headers = []byte(`{"List-Unsubscribe": "<` + link + `>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}`)
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	p := parseMail(t, mb.messages()[0].data)
	if got := p.header.Get("List-Unsubscribe"); got != "<"+link+">" {
		t.Errorf("List-Unsubscribe = %q", got)
	}
	if got := p.header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", got)
	}

	// Headers that are not a JSON object are a broken row: never sendable.
	m.Headers = []byte(`[1]`)
	if err := s.Send(context.Background(), m); !delivery.IsPermanent(err) {
		t.Fatalf("bad headers: %v", err)
	}
}
