package fcm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/internal/fcm"
	"github.com/kabinet-edu/kabinet/internal/fcm/fcmtest"
)

func newClient(t *testing.T, srv *fcmtest.Server) *fcm.Client {
	t.Helper()
	creds, err := fcm.LoadCredentials(srv.CredentialsFile(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := fcm.New(creds, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSendSignsInOnceAndDelivers(t *testing.T) {
	t.Parallel()
	srv := fcmtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	for _, token := range []string{"device-a", "device-b"} {
		if err := c.Send(ctx, fcm.Message{Token: token, Title: "Оплата получена", Body: "12 000 ₽", Data: map[string]string{"seq": "1"}}); err != nil {
			t.Fatal(err)
		}
	}
	sent := srv.Messages()
	if len(sent) != 2 || sent[0].Token != "device-a" || sent[0].Title != "Оплата получена" || sent[1].Data["seq"] != "1" {
		t.Fatalf("sent = %+v", sent)
	}
	if n := srv.TokenCalls(); n != 1 {
		t.Fatalf("signed in %d times, want once (the access token is reused)", n)
	}
}

func TestSendClassifiesFailures(t *testing.T) {
	t.Parallel()
	srv := fcmtest.New(t)
	srv.Unregistered["dead"] = true
	srv.Throttled["busy"] = true
	c := newClient(t, srv)
	ctx := context.Background()

	if err := c.Send(ctx, fcm.Message{Token: "dead", Title: "x"}); !errors.Is(err, fcm.ErrUnregistered) {
		t.Fatalf("dead token: %v", err)
	}
	var re *fcm.RetryableError
	if err := c.Send(ctx, fcm.Message{Token: "busy", Title: "x"}); !errors.As(err, &re) || re.After != 7*time.Second {
		t.Fatalf("throttled: %v", err)
	}
	if err := c.Send(ctx, fcm.Message{Token: " ", Title: "x"}); err == nil || errors.As(err, &re) || errors.Is(err, fcm.ErrUnregistered) {
		t.Fatalf("invalid message: %v", err)
	}
	srv.Close() // the network fails: worth a retry
	if err := c.Send(ctx, fcm.Message{Token: "device", Title: "x"}); !errors.As(err, &re) {
		t.Fatalf("server down: %v", err)
	}
}

func TestCredentialsAreChecked(t *testing.T) {
	t.Parallel()
	if _, err := fcm.LoadCredentials("/nonexistent/key.json"); err == nil {
		t.Fatal("a missing file was accepted")
	}
	if _, err := fcm.New(fcm.Credentials{PrivateKey: "not a key"}, fcm.DefaultEndpoint, nil); err == nil {
		t.Fatal("a bad private key was accepted")
	}
}
