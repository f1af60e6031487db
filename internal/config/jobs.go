package config

import (
	"strings"
	"time"
)

// Jobs configures background work: River's queues, shared by every domain
// (outbox deliveries, housekeeping, later reminders, webhooks, documents).
type Jobs struct {
	// Workers runs the job workers inside `kabinet serve`. Turn it off to
	// run API instances and `kabinet worker` processes separately; jobs are
	// still inserted by the API, in the transaction of their change.
	Workers bool
	// Concurrency is how many jobs of the default queue (housekeeping and
	// future domains) one process works at once.
	Concurrency int
	// RescueAfter is how long a job may stay running before it is taken
	// for abandoned by a worker that died, and retried. River never rescues
	// a job before its kind's own timeout has passed too (a delivery's is
	// Outbox.JobTimeout), so a live worker's job is not run twice.
	RescueAfter time.Duration
	// UI serves River UI to operators at /admin/jobs (HTTP Basic with the
	// Operator credentials).
	UI bool
}

// Operator holds the credentials of the platform's operators (the people
// who run the installation, not the staff of an organization). They open
// the jobs UI; later also operator-only API operations.
type Operator struct {
	Username string
	Password string
}

// Configured reports whether operator credentials are set.
func (o Operator) Configured() bool { return o.Username != "" && o.Password != "" }

// minOperatorPassword is the shortest operator password production accepts:
// it guards job control (cancel, retry, delete) over HTTP Basic.
const minOperatorPassword = 12

func loadJobs(l *loader, c *Config) {
	c.Jobs = Jobs{
		Workers:     l.bool("KABINET_WORKERS", true),
		Concurrency: l.int("KABINET_JOBS_CONCURRENCY", 4),
		RescueAfter: l.dur("KABINET_JOBS_RESCUE_AFTER", 2*time.Minute),
		UI:          l.bool("KABINET_JOBS_UI", false),
	}
	c.Operator = Operator{
		Username: l.str("KABINET_OPERATOR_USERNAME", ""),
		Password: l.getenv("KABINET_OPERATOR_PASSWORD"), // not trimmed: spaces may belong to it
	}
}

func (c Config) validateJobs(bad func(string, ...any)) {
	j := c.Jobs
	if j.Concurrency < 1 || j.Concurrency > 100 {
		bad("KABINET_JOBS_CONCURRENCY must be between 1 and 100")
	}
	// River's default job timeout is a minute; a rescue sooner would retry
	// jobs that are still running.
	if j.RescueAfter < time.Minute || j.RescueAfter > 24*time.Hour {
		bad("KABINET_JOBS_RESCUE_AFTER must be between 1m and 24h")
	}
	o := c.Operator
	if strings.Contains(o.Username, ":") {
		bad("KABINET_OPERATOR_USERNAME must not contain a colon (HTTP Basic cannot carry it)")
	}
	if (o.Username == "") != (o.Password == "") {
		bad("KABINET_OPERATOR_USERNAME and KABINET_OPERATOR_PASSWORD are set together")
	}
	if j.UI && !o.Configured() {
		bad("KABINET_JOBS_UI=true requires KABINET_OPERATOR_USERNAME and KABINET_OPERATOR_PASSWORD (the jobs UI is never open without credentials)")
	}
	if c.Env == EnvProduction && o.Password != "" && len([]rune(o.Password)) < minOperatorPassword {
		bad("KABINET_OPERATOR_PASSWORD must be at least %d characters in production", minOperatorPassword)
	}
}
