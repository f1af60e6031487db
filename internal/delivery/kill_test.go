package delivery_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/delivery"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

// The variables that make the test binary a worker process
// (TestHelperWorkerProcess) for TestKilledWorkerMidSendIsRetriedNotLost.
const (
	helperDB   = "KABINET_TEST_HELPER_WORKER_DB"
	helperSMTP = "KABINET_TEST_HELPER_WORKER_SMTP_PORT"
)

// quickRetries is the outbox configuration of the kill test: a rescued
// message is retried within a second.
func quickRetries() config.Outbox {
	cfg := testOutbox()
	cfg.BackoffBase, cfg.BackoffMax = 100*time.Millisecond, time.Second
	return cfg
}

// TestHelperWorkerProcess is not a test of its own: started by
// TestKilledWorkerMidSendIsRetriedNotLost as a separate process, it works
// deliveries over SMTP until it is killed.
func TestHelperWorkerProcess(t *testing.T) {
	url := os.Getenv(helperDB)
	if url == "" {
		t.Skip("run only as the worker process of TestKilledWorkerMidSendIsRetriedNotLost")
	}
	port, err := strconv.Atoi(os.Getenv(helperSMTP))
	if err != nil {
		t.Fatal(err)
	}
	pool, err := store.Open(context.Background(), url, 4)
	if err != nil {
		t.Fatal(err)
	}
	s, err := delivery.NewSMTPSender(config.SMTP{Host: "127.0.0.1", Port: port, TLS: config.SMTPTLSNone, From: "no-reply@kabinet.test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	jc := newClient(t, pool, map[string]delivery.Sender{notify.Email: s}, quickRetries())
	if err := jc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Minute)
	t.Fatal("the worker process was not killed")
}

// A worker process killed in the middle of an SMTP session — the mail
// server has the message but has not accepted it — records nothing; once
// its attempt is overdue, another process rescues the job and delivers the
// message. It is retried, not lost.
func TestKilledWorkerMidSendIsRetriedNotLost(t *testing.T) {
	t.Parallel()
	pool, url := testdb.NewWithURL(t)
	inData, killed := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	mb := &mailbox{onData: func() error {
		if first.CompareAndSwap(false, true) {
			close(inData)
			<-killed
			return &smtp.SMTPError{Code: 451, Message: "the client went away"}
		}
		return nil
	}}
	startMailbox(t, mb, config.SMTPTLSNone)
	id := enqueue(t, pool, 1)[0]

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWorkerProcess$")
	cmd.Env = append(os.Environ(), helperDB+"="+url, helperSMTP+"="+strconv.Itoa(mb.addr.Port))
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	kill := func() {
		once.Do(func() {
			_ = cmd.Process.Kill() // SIGKILL: no shutdown, nothing recorded
			_ = cmd.Wait()
			close(killed)
		})
	}
	t.Cleanup(kill)
	select {
	case <-inData:
	case <-time.After(60 * time.Second):
		t.Fatalf("the worker process never sent the message; its output:\n%s", out.String())
	}
	kill()

	if r := readRow(t, pool, id); r.status != "pending" || r.attempts != 0 {
		t.Fatalf("after the kill: %+v", r)
	}
	var state string
	if err := pool.QueryRow(context.Background(), "SELECT state FROM river_job WHERE kind = 'deliver_message'").Scan(&state); err != nil || state != "running" {
		t.Fatalf("the dead process's job is %q (%v); want running", state, err)
	}
	// Let time pass: the attempt outlives its timeout and the rescue delay,
	// and the dead process's leadership ends.
	for _, sql := range []string{
		"UPDATE river_job SET attempted_at = now() - interval '1 hour' WHERE kind = 'deliver_message'",
		"DELETE FROM river_leader",
	} {
		if _, err := pool.Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
	}

	s, err := delivery.NewSMTPSender(smtpConfig(mb, config.SMTPTLSNone), nil)
	if err != nil {
		t.Fatal(err)
	}
	startClient(t, pool, s, quickRetries())
	if r := waitStatus(t, pool, id, "sent"); r.attempts != 2 {
		t.Errorf("delivered on attempt %d; want 2", r.attempts)
	}
	if got := mb.messages(); len(got) != 1 || got[0].to[0] != "user0@example.org" {
		t.Errorf("the mail server accepted %d messages; want the message once", len(got))
	}
	var errs string
	if err := pool.QueryRow(context.Background(), "SELECT errors::text FROM river_job WHERE kind = 'deliver_message'").Scan(&errs); err != nil || !strings.Contains(errs, "rescued") {
		t.Errorf("job errors %s (%v); want the rescue recorded", errs, err)
	}
}

// syncBuffer is a bytes.Buffer safe for a process's output and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
