package delivery_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/delivery"
	"github.com/kabinet-edu/kabinet/internal/notify"
)

// mailbox is an in-process SMTP server (emersion/go-smtp) that keeps what it
// receives.
type mailbox struct {
	mu       sync.Mutex
	received []envelope
	addr     *net.TCPAddr
	// user and password, when set, are required (AUTH PLAIN) before MAIL.
	user, password string
	// rejectRcpt answers RCPT TO with this error.
	rejectRcpt *smtp.SMTPError
	// onData, when set, runs when a message's data has arrived, before the
	// server accepts it; an error refuses the message.
	onData func() error
}

type envelope struct {
	from string
	to   []string
	data []byte
}

// mode: config.SMTPTLSNone, SMTPTLSStartTLS (STARTTLS offered) or
// SMTPTLSImplicit (TLS from the first byte). It returns the client TLS
// configuration that trusts the server's certificate.
func startMailbox(t *testing.T, mb *mailbox, mode string) *tls.Config {
	t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{mb: mb}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = nopLogger{}
	var clientTLS *tls.Config
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if mode != config.SMTPTLSNone {
		var serverTLS *tls.Config
		serverTLS, clientTLS = selfSignedTLS(t)
		if mode == config.SMTPTLSImplicit {
			l = tls.NewListener(l, serverTLS)
		} else {
			srv.TLSConfig = serverTLS
		}
	}
	mb.addr = l.Addr().(*net.TCPAddr)
	go srv.Serve(l) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return clientTLS
}

func (mb *mailbox) messages() []envelope {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]envelope(nil), mb.received...)
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}

type session struct {
	mb     *mailbox
	authed bool
	env    envelope
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != s.mb.user || password != s.mb.password {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.mb.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.env = envelope{from: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.mb.rejectRcpt != nil {
		return s.mb.rejectRcpt
	}
	s.env.to = append(s.env.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.env.data = data
	if s.mb.onData != nil {
		if err := s.mb.onData(); err != nil {
			return err
		}
	}
	s.mb.mu.Lock()
	s.mb.received = append(s.mb.received, s.env)
	s.mb.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.env = envelope{} }
func (s *session) Logout() error { return nil }

// selfSignedTLS makes a certificate for localhost and 127.0.0.1.
func selfSignedTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: roots, ServerName: "localhost", MinVersion: tls.VersionTLS12}
}

func smtpConfig(mb *mailbox, mode string) config.SMTP {
	return config.SMTP{
		Host: "127.0.0.1", Port: mb.addr.Port, TLS: mode,
		From: "no-reply@kabinet.test", FromName: "Личный кабинет",
		Username: mb.user, Password: mb.password,
	}
}

func outboxMessage() db.Outbox {
	return db.Outbox{
		ID: 42, Channel: notify.Email, Recipient: "anna@example.org", Template: "welcome", Locale: "ru",
		Subject:   "Добро пожаловать в личный кабинет",
		BodyText:  "Здравствуйте, Анна!\n\nВаш код: 123456",
		BodyHtml:  "<p>Здравствуйте, Анна!</p><p>Ваш код: <b>123456</b></p>",
		CreatedAt: time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC),
	}
}

// parsedMail is a received message taken apart the way a mail client would.
type parsedMail struct {
	header      mail.Header
	subject     string // decoded
	from        *mail.Address
	contentType string
	parts       map[string]string // media type → decoded body
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a mail message: %v\n%s", err, data)
	}
	p := parsedMail{header: msg.Header, parts: map[string]string{}}
	if p.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	froms, err := msg.Header.AddressList("From")
	if err != nil || len(froms) != 1 {
		t.Fatalf("From: %v %v", froms, err)
	}
	p.from = froms[0]
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	p.contentType = mediaType
	if !strings.HasPrefix(mediaType, "multipart/") {
		body, _ := io.ReadAll(msg.Body)
		p.parts[mediaType] = string(body)
		return p
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, pparams, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if cs := strings.ToLower(pparams["charset"]); cs != "utf-8" {
			t.Errorf("part %s has charset %q", pt, cs)
		}
		body, err := io.ReadAll(part) // quoted-printable is decoded by the reader
		if err != nil {
			t.Fatal(err)
		}
		p.parts[pt] = string(body)
	}
	return p
}

func TestSMTPSenderDeliversMultipartMailWithCyrillicSubject(t *testing.T) {
	t.Parallel()
	mb := &mailbox{}
	startMailbox(t, mb, config.SMTPTLSNone)
	s, err := delivery.NewSMTPSender(smtpConfig(mb, config.SMTPTLSNone), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := outboxMessage()
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := mb.messages()
	if len(got) != 1 {
		t.Fatalf("received %d messages", len(got))
	}
	if got[0].from != "no-reply@kabinet.test" || len(got[0].to) != 1 || got[0].to[0] != "anna@example.org" {
		t.Errorf("envelope: from %q to %q", got[0].from, got[0].to)
	}
	p := parseMail(t, got[0].data)
	raw := p.header.Get("Subject")
	if !strings.HasPrefix(raw, "=?UTF-8?") || strings.ContainsAny(raw, "абвгдеёжзийклмнопрстуфхцчшщъыьэюя") {
		t.Errorf("Subject is not RFC 2047-encoded: %q", raw)
	}
	if p.subject != m.Subject {
		t.Errorf("Subject = %q, want %q", p.subject, m.Subject)
	}
	if p.from.Name != "Личный кабинет" || p.from.Address != "no-reply@kabinet.test" {
		t.Errorf("From = %v", p.from)
	}
	if to := p.header.Get("To"); !strings.Contains(to, "anna@example.org") {
		t.Errorf("To = %q", to)
	}
	if p.contentType != "multipart/alternative" {
		t.Errorf("Content-Type = %q", p.contentType)
	}
	if strings.ReplaceAll(p.parts["text/plain"], "\r\n", "\n") != m.BodyText {
		t.Errorf("text part = %q", p.parts["text/plain"])
	}
	if p.parts["text/html"] != m.BodyHtml {
		t.Errorf("html part = %q", p.parts["text/html"])
	}
	if id := p.header.Get("Message-Id"); id != "<outbox.42."+strconv.FormatInt(m.CreatedAt.Unix(), 10)+"@kabinet.test>" {
		t.Errorf("Message-ID = %q", id)
	}
	if p.header.Get("Auto-Submitted") != "auto-generated" || p.header.Get("Date") == "" || p.header.Get("X-Mailer") != "" {
		t.Errorf("headers: %v", p.header)
	}

	// Without HTML the message is plain text only.
	m.BodyHtml = ""
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if p := parseMail(t, mb.messages()[1].data); p.contentType != "text/plain" || len(p.parts) != 1 {
		t.Errorf("text-only mail: %s with parts %v", p.contentType, p.parts)
	}
}

// Production modes: STARTTLS (mandatory) and implicit TLS, both with
// SMTP AUTH, which only ever happens over TLS.
func TestSMTPSenderUsesTLSAndAuth(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{config.SMTPTLSStartTLS, config.SMTPTLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			mb := &mailbox{user: "kabinet", password: "s3cret pass"}
			clientTLS := startMailbox(t, mb, mode)
			s, err := delivery.NewSMTPSender(smtpConfig(mb, mode), clientTLS)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(context.Background(), outboxMessage()); err != nil {
				t.Fatal(err)
			}
			if n := len(mb.messages()); n != 1 {
				t.Fatalf("received %d messages", n)
			}

			wrong := smtpConfig(mb, mode)
			wrong.Password = "guess"
			s, _ = delivery.NewSMTPSender(wrong, clientTLS)
			if err := s.Send(context.Background(), outboxMessage()); err == nil || delivery.IsPermanent(err) {
				t.Errorf("wrong password: %v (want a retryable error: the operator can fix it)", err)
			}
			// The system roots do not trust the test certificate: no mail
			// goes to a server that cannot prove who it is.
			s, _ = delivery.NewSMTPSender(smtpConfig(mb, mode), nil)
			if err := s.Send(context.Background(), outboxMessage()); err == nil {
				t.Error("sent to a server with an untrusted certificate")
			}
			if n := len(mb.messages()); n != 1 {
				t.Errorf("received %d messages, want still 1", n)
			}
		})
	}
}

// STARTTLS is mandatory: a server that does not offer it gets nothing.
func TestSMTPSenderRefusesServerWithoutSTARTTLS(t *testing.T) {
	t.Parallel()
	mb := &mailbox{}
	startMailbox(t, mb, config.SMTPTLSNone)
	s, err := delivery.NewSMTPSender(smtpConfig(mb, config.SMTPTLSStartTLS), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), outboxMessage()); err == nil || len(mb.messages()) != 0 {
		t.Fatalf("sent without TLS: %v", err)
	}
}

func TestSMTPSenderClassifiesRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code      int
		permanent bool
	}{{550, true}, {451, false}} {
		mb := &mailbox{rejectRcpt: &smtp.SMTPError{Code: tc.code, Message: "refused"}}
		startMailbox(t, mb, config.SMTPTLSNone)
		s, _ := delivery.NewSMTPSender(smtpConfig(mb, config.SMTPTLSNone), nil)
		err := s.Send(context.Background(), outboxMessage())
		if err == nil || delivery.IsPermanent(err) != tc.permanent {
			t.Errorf("RCPT refused with %d: %v, permanent %v", tc.code, err, delivery.IsPermanent(err))
		}
	}
	// A connection refused is retried.
	mb := &mailbox{}
	startMailbox(t, mb, config.SMTPTLSNone)
	cfg := smtpConfig(mb, config.SMTPTLSNone)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	cfg.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	s, _ := delivery.NewSMTPSender(cfg, nil)
	if err := s.Send(context.Background(), outboxMessage()); err == nil || delivery.IsPermanent(err) {
		t.Errorf("no server: %v", err)
	}
	m := outboxMessage()
	m.Recipient = "not an address"
	if err := s.Send(context.Background(), m); !delivery.IsPermanent(err) {
		t.Errorf("bad recipient: %v", err)
	}
}

// A server that accepts the connection and then says nothing cannot hold a
// send beyond its deadline (go-mail uses the context only to dial).
func TestSMTPSenderGivesUpOnASilentServer(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	s, err := delivery.NewSMTPSender(config.SMTP{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, TLS: config.SMTPTLSNone, From: "no-reply@kabinet.test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, outboxMessage())
	if err == nil || delivery.IsPermanent(err) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("send took %v", d)
	}
}
