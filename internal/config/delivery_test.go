package config

import (
	"strings"
	"testing"
	"time"
)

func TestDeliveryDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://x"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.Host != "" || c.SMTP.Port != 587 || c.SMTP.TLS != SMTPTLSStartTLS || c.SMTP.FromName == "" || c.SMS.GatewayURL != "" {
		t.Errorf("SMTP/SMS defaults: %+v %+v", c.SMTP, c.SMS)
	}
	o := c.Outbox
	if o.MaxAttempts != 8 || o.BackoffBase != 30*time.Second ||
		o.BackoffMax != time.Hour || o.Concurrency != 4 || o.SendTimeout != 30*time.Second || o.Retention != 7*24*time.Hour {
		t.Errorf("outbox defaults: %+v", o)
	}
}

func TestValidateDelivery(t *testing.T) {
	prod := productionEnv()
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	c, err := Load(env(prod))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("a complete production configuration is refused: %v", err)
	}
	for name, tc := range map[string]struct {
		vars map[string]string
		want string
	}{
		"production without SMTP":         {with(prod, "KABINET_SMTP_HOST", ""), "KABINET_SMTP_HOST"},
		"production without SMS":          {with(prod, "KABINET_SMS_GATEWAY_URL", ""), "KABINET_SMS_GATEWAY_URL"},
		"password in clear text":          {with(prod, "KABINET_SMTP_TLS", "none"), "KABINET_SMTP_TLS"},
		"plain http gateway":              {with(prod, "KABINET_SMS_GATEWAY_URL", "http://sms.ru"), "https"},
		"unknown TLS mode":                {with(prod, "KABINET_SMTP_TLS", "ssl"), "KABINET_SMTP_TLS"},
		"no from address":                 {with(prod, "KABINET_SMTP_FROM", ""), "KABINET_SMTP_FROM"},
		"from with a name":                {with(prod, "KABINET_SMTP_FROM", "Kabinet <no-reply@example.org>"), "KABINET_SMTP_FROM"},
		"bad port":                        {with(prod, "KABINET_SMTP_PORT", "70000"), "KABINET_SMTP_PORT"},
		"gateway without key":             {with(prod, "KABINET_SMS_API_KEY", ""), "KABINET_SMS_API_KEY"},
		"gateway not a URL":               {with(prod, "KABINET_SMS_GATEWAY_URL", "sms.ru"), "KABINET_SMS_GATEWAY_URL"},
		"no attempts":                     {with(prod, "KABINET_OUTBOX_MAX_ATTEMPTS", "0"), "KABINET_OUTBOX_MAX_ATTEMPTS"},
		"backoff max below base":          {with(prod, "KABINET_OUTBOX_BACKOFF_MAX", "10s"), "backoff"},
		"no concurrency":                  {with(prod, "KABINET_OUTBOX_CONCURRENCY", "0"), "KABINET_OUTBOX_CONCURRENCY"},
		"negative retention":              {with(prod, "KABINET_OUTBOX_RETENTION", "-1h"), "KABINET_OUTBOX_RETENTION"},
		"send timeout too short":          {with(prod, "KABINET_OUTBOX_SEND_TIMEOUT", "10ms"), "KABINET_OUTBOX_SEND_TIMEOUT"},
		"development: SMTP host, no from": {map[string]string{"DATABASE_URL": "x", "KABINET_SMTP_HOST": "localhost"}, "KABINET_SMTP_FROM"},
	} {
		c, err := Load(env(tc.vars))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v, want an error naming %s", name, err, tc.want)
		}
	}
	// Development: clear text to a local test server is fine.
	c, _ = Load(env(map[string]string{"DATABASE_URL": "x", "KABINET_SMTP_HOST": "127.0.0.1", "KABINET_SMTP_PORT": "1025",
		"KABINET_SMTP_TLS": "none", "KABINET_SMTP_FROM": "dev@kabinet.test", "KABINET_SMS_GATEWAY_URL": "http://127.0.0.1:9000", "KABINET_SMS_API_KEY": "k"}))
	if err := c.Validate(); err != nil {
		t.Errorf("a local development setup is refused: %v", err)
	}
}
