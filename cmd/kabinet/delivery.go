package main

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/delivery"
)

// startDelivery runs the outbox worker in the background. The returned stop
// ends it and waits, until ctx ends, for the messages in hand to be sent and
// recorded.
func startDelivery(cfg config.Config, pool *pgxpool.Pool, log *slog.Logger) (stop func(ctx context.Context), err error) {
	senders, err := delivery.Senders(cfg, log)
	if err != nil {
		return nil, err
	}
	email, sms := "log (KABINET_SMTP_HOST is not set)", "log (KABINET_SMS_GATEWAY_URL is not set)"
	if cfg.SMTP.Host != "" {
		email = "smtp " + cfg.SMTP.Host + ":" + strconv.Itoa(cfg.SMTP.Port) + " (" + cfg.SMTP.TLS + ")"
	}
	if cfg.SMS.GatewayURL != "" {
		sms = "gateway " + cfg.SMS.GatewayURL
	}
	log.Info("outbox delivery", "email", email, "sms", sms)

	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		delivery.NewWorker(pool, senders, cfg.Outbox, log).Run(runCtx)
	}()
	return func(ctx context.Context) {
		cancel()
		select {
		case <-done:
		case <-ctx.Done():
			log.Warn("outbox delivery did not stop in time; unrecorded messages are retried when their lease ends")
		}
	}, nil
}
