// Package delivery sends the messages of the outbox: the River worker of the
// deliver_message job (one job per message, see internal/outbox) hands the
// message to the sender of its channel — SMTP for e-mail, an HTTP gateway
// for SMS, or the log in development — and records the outcome on the
// message's row; River retries transient failures with exponential backoff,
// and any number of processes may work the jobs.
package delivery

import (
	"context"
	"errors"
	"log/slog"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/notify"
)

// Sender delivers one outbox message through one channel. An error means the
// message was not accepted; wrap it with Permanent when retrying cannot help.
type Sender interface {
	Send(ctx context.Context, m db.Outbox) error
}

// permanentError marks a failure that no retry can fix (the recipient does
// not exist, the gateway refuses the number).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying: the worker marks the message
// failed at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// Senders builds the sender of each channel from the configuration: SMTP and
// the SMS gateway where configured, the log sender otherwise.
func Senders(cfg config.Config, log *slog.Logger) (map[string]Sender, error) {
	senders := map[string]Sender{
		notify.Email: LogSender{Log: log},
		notify.SMS:   LogSender{Log: log},
	}
	if cfg.SMTP.Host != "" {
		s, err := NewSMTPSender(cfg.SMTP, nil)
		if err != nil {
			return nil, err
		}
		senders[notify.Email] = s
	}
	if cfg.SMS.GatewayURL != "" {
		senders[notify.SMS] = NewSMSSender(cfg.SMS, nil)
	}
	return senders, nil
}

// LogSender "delivers" a message by logging it, whole: the development
// default when no SMTP server or SMS gateway is configured, so a developer
// can read codes and links in the log (or at GET /api/v1/dev/messages).
type LogSender struct {
	Log *slog.Logger
}

// Send logs m and reports success.
func (s LogSender) Send(ctx context.Context, m db.Outbox) error {
	s.Log.InfoContext(ctx, "outbox message logged, not sent (no SMTP server or SMS gateway configured)",
		"outbox_id", m.ID, "channel", m.Channel, "to", m.Recipient, "template", m.Template,
		"subject", m.Subject, "text", m.BodyText)
	return nil
}
