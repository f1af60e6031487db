package config

import (
	"net/mail"
	"net/url"
	"time"
)

// SMTP TLS modes (KABINET_SMTP_TLS).
const (
	SMTPTLSNone     = "none"     // plain text: only for a relay on the same host or a test server
	SMTPTLSStartTLS = "starttls" // connect in plain text, then STARTTLS is mandatory (port 587)
	SMTPTLSImplicit = "tls"      // TLS from the first byte (port 465)
)

// SMTP is the mail server that delivers e-mail. With no Host, e-mail is only
// logged (development).
type SMTP struct {
	Host     string
	Port     int
	Username string // empty: no SMTP AUTH
	Password string
	From     string // the sender address
	FromName string // the sender's display name
	TLS      string // SMTPTLSNone, SMTPTLSStartTLS or SMTPTLSImplicit
}

// SMS is the HTTP gateway that delivers text messages (SMS.ru's /sms/send
// API). With no GatewayURL, SMS are only logged (development).
type SMS struct {
	GatewayURL string // e.g. https://sms.ru
	APIKey     string // SMS.ru's api_id
	Sender     string // an approved sender name; empty: the account's default
}

// Outbox tunes the delivery of outbox messages: one River job per message
// (queue "messages"), worked wherever job workers run.
type Outbox struct {
	SendTimeout time.Duration // one SMTP or gateway call
	MaxAttempts int           // attempts before a message is marked failed
	BackoffBase time.Duration // delay after the first failure; doubles with each failure
	BackoffMax  time.Duration // the longest delay between attempts
	Concurrency int           // messages sent at once per process
	Retention   time.Duration // sent and failed messages are deleted after this; 0 keeps them
	// KeepSentBodies keeps a sent message's text (for the development
	// mailbox); otherwise it is blanked once sent, as it may hold a secret.
	KeepSentBodies bool
}

// JobTimeout bounds one delivery attempt: the send (whose SMTP deadlines may
// stretch it to twice the send timeout) and recording its outcome.
func (o Outbox) JobTimeout() time.Duration { return 2*o.SendTimeout + time.Minute }

func loadDelivery(l *loader, c *Config) {
	c.SMTP = SMTP{
		Host:     l.str("KABINET_SMTP_HOST", ""),
		Port:     l.int("KABINET_SMTP_PORT", 587),
		Username: l.str("KABINET_SMTP_USERNAME", ""),
		Password: l.getenv("KABINET_SMTP_PASSWORD"), // not trimmed: spaces may belong to it
		From:     l.str("KABINET_SMTP_FROM", ""),
		FromName: l.str("KABINET_SMTP_FROM_NAME", "Личный кабинет"),
		TLS:      l.str("KABINET_SMTP_TLS", SMTPTLSStartTLS),
	}
	c.SMS = SMS{
		GatewayURL: l.str("KABINET_SMS_GATEWAY_URL", ""),
		APIKey:     l.str("KABINET_SMS_API_KEY", ""),
		Sender:     l.str("KABINET_SMS_SENDER", ""),
	}
	c.Outbox = Outbox{
		SendTimeout:    l.dur("KABINET_OUTBOX_SEND_TIMEOUT", 30*time.Second),
		MaxAttempts:    l.int("KABINET_OUTBOX_MAX_ATTEMPTS", 8),
		BackoffBase:    l.dur("KABINET_OUTBOX_BACKOFF_BASE", 30*time.Second),
		BackoffMax:     l.dur("KABINET_OUTBOX_BACKOFF_MAX", time.Hour),
		Concurrency:    l.int("KABINET_OUTBOX_CONCURRENCY", 4),
		Retention:      l.dur("KABINET_OUTBOX_RETENTION", 7*24*time.Hour),
		KeepSentBodies: l.bool("KABINET_OUTBOX_KEEP_SENT_BODIES", c.Env == EnvDevelopment),
	}
}

func (c Config) validateDelivery(bad func(string, ...any)) {
	s := c.SMTP
	if s.Host != "" {
		if s.Port < 1 || s.Port > 65535 {
			bad("KABINET_SMTP_PORT must be between 1 and 65535")
		}
		if s.From == "" {
			bad("KABINET_SMTP_FROM is required when KABINET_SMTP_HOST is set")
		} else if a, err := mail.ParseAddress(s.From); err != nil || a.Address != s.From {
			bad("KABINET_SMTP_FROM must be a bare e-mail address such as no-reply@example.org (the name goes in KABINET_SMTP_FROM_NAME)")
		}
		switch s.TLS {
		case SMTPTLSNone, SMTPTLSStartTLS, SMTPTLSImplicit:
		default:
			bad("KABINET_SMTP_TLS must be %q, %q or %q, got %q", SMTPTLSNone, SMTPTLSStartTLS, SMTPTLSImplicit, s.TLS)
		}
		if c.Env == EnvProduction && s.TLS == SMTPTLSNone && s.Username != "" {
			bad("KABINET_SMTP_TLS=none would send KABINET_SMTP_PASSWORD in clear text; use starttls or tls")
		}
	}
	if u := c.SMS.GatewayURL; u != "" {
		parsed, err := url.Parse(u)
		switch {
		case err != nil || parsed.Host == "" || (parsed.Scheme != "https" && parsed.Scheme != "http"):
			bad("KABINET_SMS_GATEWAY_URL must be an absolute http(s) URL such as https://sms.ru, got %q", u)
		case c.Env == EnvProduction && parsed.Scheme != "https":
			bad("KABINET_SMS_GATEWAY_URL must use https in production")
		}
		if c.SMS.APIKey == "" {
			bad("KABINET_SMS_API_KEY is required when KABINET_SMS_GATEWAY_URL is set")
		}
	}
	if c.Env == EnvProduction {
		// Without them messages are only logged, codes and links included.
		if s.Host == "" {
			bad("KABINET_SMTP_HOST is required in production (otherwise e-mail is only logged)")
		}
		if c.SMS.GatewayURL == "" {
			bad("KABINET_SMS_GATEWAY_URL is required in production (otherwise SMS are only logged)")
		}
	}
	o := c.Outbox
	if o.SendTimeout < time.Second || o.SendTimeout > 10*time.Minute {
		bad("KABINET_OUTBOX_SEND_TIMEOUT must be between 1s and 10m")
	}
	if o.MaxAttempts < 1 || o.MaxAttempts > 100 {
		bad("KABINET_OUTBOX_MAX_ATTEMPTS must be between 1 and 100")
	}
	if o.BackoffBase <= 0 || o.BackoffMax < o.BackoffBase {
		bad("outbox backoff must satisfy 0 < KABINET_OUTBOX_BACKOFF_BASE <= KABINET_OUTBOX_BACKOFF_MAX")
	}
	if o.Concurrency < 1 || o.Concurrency > 100 {
		bad("KABINET_OUTBOX_CONCURRENCY must be between 1 and 100")
	}
	if o.Retention < 0 {
		bad("KABINET_OUTBOX_RETENTION must not be negative (0 keeps messages forever)")
	}
}
