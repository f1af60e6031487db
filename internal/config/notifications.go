package config

import "time"

// Notifications tunes the live stream, mobile pushes and mailings
// (internal/notifications).
type Notifications struct {
	// StreamHeartbeat is the pause between keep-alive comments on an open
	// stream; the session is checked again at each.
	StreamHeartbeat time.Duration
	// StreamMaxAge ends a stream after this long; the client reconnects
	// (with Last-Event-ID) and is authenticated again.
	StreamMaxAge time.Duration
	// StreamTicketTTL is how long a stream ticket may wait to be used.
	StreamTicketTTL time.Duration
	// FCMCredentialsFile is a Firebase service-account JSON key; empty: no
	// pushes are sent.
	FCMCredentialsFile string
	// FCMEndpoint is FCM's API (another URL for an emulator or a test).
	FCMEndpoint string
	// MailingBatchSize is how many recipients one step of a mailing's
	// fan-out writes into the outbox in one transaction.
	MailingBatchSize int
}

func loadNotifications(l *loader, c *Config) {
	c.Notifications = Notifications{
		StreamHeartbeat:    l.dur("KABINET_SSE_HEARTBEAT", 25*time.Second),
		StreamMaxAge:       l.dur("KABINET_SSE_MAX_AGE", time.Hour),
		StreamTicketTTL:    l.dur("KABINET_SSE_TICKET_TTL", time.Minute),
		FCMCredentialsFile: l.str("KABINET_FCM_CREDENTIALS_FILE", ""),
		FCMEndpoint:        l.str("KABINET_FCM_ENDPOINT", "https://fcm.googleapis.com"),
		MailingBatchSize:   l.int("KABINET_MAILING_BATCH_SIZE", 200),
	}
}

func (c Config) validateNotifications(bad func(string, ...any)) {
	n := c.Notifications
	if n.StreamHeartbeat < 100*time.Millisecond || n.StreamHeartbeat > 5*time.Minute {
		bad("KABINET_SSE_HEARTBEAT must be between 100ms and 5m")
	}
	if n.StreamMaxAge < n.StreamHeartbeat {
		bad("KABINET_SSE_MAX_AGE must be at least KABINET_SSE_HEARTBEAT")
	}
	if n.StreamTicketTTL < time.Second || n.StreamTicketTTL > 10*time.Minute {
		bad("KABINET_SSE_TICKET_TTL must be between 1s and 10m")
	}
	if n.MailingBatchSize < 1 || n.MailingBatchSize > 5000 {
		bad("KABINET_MAILING_BATCH_SIZE must be between 1 and 5000")
	}
}
