// Package workers assembles Kabinet's background work: it registers every
// domain's River workers, queues and periodic jobs in one jobs.Registry and
// builds the process's jobs client from it — what `kabinet serve` (unless
// KABINET_WORKERS=false) and `kabinet worker` run. A new domain with
// background work adds its Register call to Registry.
package workers

import (
	"fmt"
	"log/slog"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/internal/assessment"
	"github.com/kabinet-edu/kabinet/internal/commerce"
	"github.com/kabinet-edu/kabinet/internal/completion"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/conversations"
	"github.com/kabinet-edu/kabinet/internal/delivery"
	"github.com/kabinet-edu/kabinet/internal/documents"
	"github.com/kabinet-edu/kabinet/internal/janitor"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/news"
	"github.com/kabinet-edu/kabinet/internal/notifications"
)

// Registry registers the work of every domain: outbox delivery (queue
// "messages"), the janitor's periodic sweep, payment reconciliation, mailings
// and pushes.
func Registry(cfg config.Config, pool *pgxpool.Pool, log *slog.Logger) (*jobs.Registry, error) {
	reg := jobs.NewRegistry()
	senders, err := delivery.Senders(cfg, log)
	if err != nil {
		return nil, fmt.Errorf("outbox senders: %w", err)
	}
	logSenders(cfg, log)
	if err := delivery.Register(reg, delivery.NewWorker(pool, senders, cfg.Outbox, log)); err != nil {
		return nil, err
	}
	if err := janitor.Register(reg, pool, cfg.JanitorInterval, cfg.Outbox.Retention, log); err != nil {
		return nil, err
	}
	shop, err := commerce.NewFromConfig(cfg, pool, log)
	if err != nil {
		return nil, err
	}
	if err := commerce.Register(reg, shop); err != nil {
		return nil, err
	}
	if err := notifications.Register(reg, cfg, pool, log); err != nil {
		return nil, err
	}
	if err := news.Register(reg, cfg, pool, log); err != nil {
		return nil, err
	}
	if err := conversations.Register(reg, cfg, pool, log); err != nil {
		return nil, err
	}
	if err := assessment.Register(reg, cfg.Jobs, pool, log); err != nil {
		return nil, err
	}
	if err := completion.Register(reg, cfg, pool, log); err != nil {
		return nil, err
	}
	if err := documents.Register(reg, cfg, pool, log); err != nil {
		return nil, err
	}
	return reg, nil
}

// NewClient builds the process's jobs client: one that works every domain's
// jobs once started when work is true, an insert-only one otherwise.
func NewClient(cfg config.Config, pool *pgxpool.Pool, log *slog.Logger, work bool) (*jobs.Client, error) {
	var reg *jobs.Registry
	if work {
		var err error
		if reg, err = Registry(cfg, pool, log); err != nil {
			return nil, err
		}
	}
	return jobs.New(pool, cfg.Jobs, reg, log)
}

// logSenders says where messages go, so a development log shows at once
// why no e-mail arrives.
func logSenders(cfg config.Config, log *slog.Logger) {
	email, sms := "log (KABINET_SMTP_HOST is not set)", "log (KABINET_SMS_GATEWAY_URL is not set)"
	if cfg.SMTP.Host != "" {
		email = "smtp " + cfg.SMTP.Host + ":" + strconv.Itoa(cfg.SMTP.Port) + " (" + cfg.SMTP.TLS + ")"
	}
	if cfg.SMS.GatewayURL != "" {
		sms = "gateway " + cfg.SMS.GatewayURL
	}
	log.Info("outbox delivery", "email", email, "sms", sms)
}
