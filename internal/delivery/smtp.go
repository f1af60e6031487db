package delivery

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
)

// SMTPSender delivers e-mail through an SMTP server (a submission service or
// a local relay), one connection per message: transactional mail is rare
// enough that a pooled connection would only go stale between messages.
type SMTPSender struct {
	cfg       config.SMTP
	tlsConfig *tls.Config
	domain    string // of the From address, for Message-IDs
}

// NewSMTPSender checks cfg and returns a sender. tlsConfig, when not nil,
// replaces the default (the system's roots, the host as server name, TLS
// 1.2 or newer); tests pass one that trusts their own certificate.
func NewSMTPSender(cfg config.SMTP, tlsConfig *tls.Config) (*SMTPSender, error) {
	if cfg.Host == "" || cfg.From == "" {
		return nil, errors.New("smtp: host and from address are required")
	}
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	}
	_, domain, _ := strings.Cut(cfg.From, "@")
	s := &SMTPSender{cfg: cfg, tlsConfig: tlsConfig, domain: domain}
	if _, err := s.client(time.Minute); err != nil {
		return nil, err
	}
	return s, nil
}

// client makes a client whose every network step must finish within timeout
// (go-mail takes the context only for dialing; the steps after it run under
// connection deadlines).
func (s *SMTPSender) client(timeout time.Duration) (*mail.Client, error) {
	opts := []mail.Option{mail.WithTLSConfig(s.tlsConfig), mail.WithTimeout(timeout)}
	switch s.cfg.TLS {
	case config.SMTPTLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case config.SMTPTLSImplicit:
		opts = append(opts, mail.WithSSL())
	default: // STARTTLS is mandatory: never fall back to clear text
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	opts = append(opts, mail.WithPort(s.cfg.Port)) // after WithSSL, which would pick 465
	if s.cfg.Username != "" {
		// The strongest mechanism the server offers; PLAIN and LOGIN only
		// over TLS (or to localhost).
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	c, err := mail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	return c, nil
}

// Send delivers m as a multipart/alternative message (plain text and, when
// the template has one, HTML), UTF-8, with headers encoded per RFC 2047.
func (s *SMTPSender) Send(ctx context.Context, m db.Outbox) error {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent()) // do not advertise the library's version
	if err := msg.FromFormat(s.cfg.FromName, s.cfg.From); err != nil {
		return fmt.Errorf("smtp: from address: %w", err)
	}
	if err := msg.To(m.Recipient); err != nil {
		return Permanent(fmt.Errorf("smtp: recipient: %w", err))
	}
	msg.Subject(m.Subject)
	// The same Message-ID on every attempt: if a retry follows a delivery
	// whose confirmation was lost, mail clients show the message once.
	msg.SetMessageIDWithValue(fmt.Sprintf("outbox.%d.%d@%s", m.ID, m.CreatedAt.Unix(), s.domain))
	msg.SetDate()
	// RFC 3834: ask auto-responders (vacation replies) to stay quiet.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	if err := setExtraHeaders(msg, m.Headers); err != nil {
		return Permanent(err)
	}
	msg.SetBodyString(mail.TypeTextPlain, m.BodyText)
	if m.BodyHtml != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.BodyHtml)
	}
	timeout := time.Minute
	if deadline, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(deadline), time.Second)
	}
	c, err := s.client(timeout)
	if err != nil {
		return err
	}
	err = c.DialAndSendWithContext(ctx, msg)
	if msg.IsDelivered() {
		return nil // the server took the message; only RSET or QUIT failed after it
	}
	if err == nil {
		return errors.New("smtp: the server did not confirm the message")
	}
	var se *mail.SendError
	if errors.As(err, &se) && se.Reason == mail.ErrSMTPRcptTo && se.ErrorCode() >= 500 {
		// 5xx to RCPT TO: the mailbox does not exist or is refused for good.
		return Permanent(fmt.Errorf("smtp: %w", err))
	}
	return fmt.Errorf("smtp: %w", err)
}

// setExtraHeaders adds the headers a message carries besides the usual ones
// (a mailing's List-Unsubscribe and List-Unsubscribe-Post, RFC 8058).
func setExtraHeaders(msg *mail.Msg, raw []byte) error {
	if len(raw) == 0 {
		return nil
	}
	var headers map[string]string
	if err := json.Unmarshal(raw, &headers); err != nil {
		return fmt.Errorf("smtp: message headers: %w", err)
	}
	for name, value := range headers {
		msg.SetGenHeader(mail.Header(name), value)
	}
	return nil
}
