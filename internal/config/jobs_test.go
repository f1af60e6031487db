package config

import (
	"strings"
	"testing"
	"time"
)

func TestJobsDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://x"}))
	if err != nil {
		t.Fatal(err)
	}
	if j := c.Jobs; !j.Workers || j.Concurrency != 4 || j.RescueAfter != 2*time.Minute || j.UI {
		t.Errorf("jobs defaults: %+v", j)
	}
	if c.Operator.Configured() {
		t.Errorf("operator credentials by default: %+v", c.Operator)
	}
	if c.Outbox.JobTimeout() != 2*time.Minute {
		t.Errorf("delivery job timeout: %v", c.Outbox.JobTimeout())
	}
}

func TestValidateJobs(t *testing.T) {
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
	dev := map[string]string{"DATABASE_URL": "x"}
	prod := productionEnv()
	ui := []string{"KABINET_JOBS_UI", "true", "KABINET_OPERATOR_USERNAME", "ops", "KABINET_OPERATOR_PASSWORD", "a long operator secret"}
	for name, vars := range map[string]map[string]string{
		"development, UI with credentials": with(dev, ui...),
		"production, UI with credentials":  with(prod, ui...),
		"workers off":                      with(prod, "KABINET_WORKERS", "false"),
		"credentials without the UI":       with(dev, "KABINET_OPERATOR_USERNAME", "ops", "KABINET_OPERATOR_PASSWORD", "x"),
	} {
		c, err := Load(env(vars))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: refused: %v", name, err)
		}
	}
	for name, tc := range map[string]struct {
		vars map[string]string
		want string
	}{
		"UI without credentials":            {with(dev, "KABINET_JOBS_UI", "true"), "KABINET_JOBS_UI"},
		"production UI without credentials": {with(prod, "KABINET_JOBS_UI", "true"), "KABINET_JOBS_UI"},
		"UI without a password":             {with(dev, "KABINET_JOBS_UI", "true", "KABINET_OPERATOR_USERNAME", "ops"), "KABINET_OPERATOR_PASSWORD"},
		"password without a username":       {with(dev, "KABINET_OPERATOR_PASSWORD", "secret"), "KABINET_OPERATOR_USERNAME"},
		"colon in the username":             {with(dev, "KABINET_OPERATOR_USERNAME", "a:b", "KABINET_OPERATOR_PASSWORD", "x"), "colon"},
		"short password in production":      {with(prod, "KABINET_OPERATOR_USERNAME", "ops", "KABINET_OPERATOR_PASSWORD", "short"), "at least 12"},
		"no concurrency":                    {with(dev, "KABINET_JOBS_CONCURRENCY", "0"), "KABINET_JOBS_CONCURRENCY"},
		"rescue too soon":                   {with(dev, "KABINET_JOBS_RESCUE_AFTER", "10s"), "KABINET_JOBS_RESCUE_AFTER"},
	} {
		c, err := Load(env(tc.vars))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v, want an error naming %s", name, err, tc.want)
		}
	}
	if _, err := Load(env(with(dev, "KABINET_WORKERS", "sometimes"))); err == nil || !strings.Contains(err.Error(), "KABINET_WORKERS") {
		t.Errorf("a bad KABINET_WORKERS: %v", err)
	}
}
