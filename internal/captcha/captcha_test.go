package captcha

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestVerify(t *testing.T) {
	var got struct{ secret, response, remoteIP, contentType string }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		got.contentType = r.Header.Get("Content-Type")
		got.secret, got.response, got.remoteIP = r.PostFormValue("secret"), r.PostFormValue("response"), r.PostFormValue("remoteip")
		w.Header().Set("Content-Type", "application/json")
		switch got.response {
		case "good":
			fmt.Fprint(w, `{"success": true, "hostname": "example.org"}`)
		case "bad":
			fmt.Fprint(w, `{"success": false, "error-codes": ["invalid-input-response"]}`)
		case "our-fault":
			fmt.Fprint(w, `{"success": false, "error-codes": ["invalid-input-secret"]}`)
		case "garbage":
			fmt.Fprint(w, `<html>`)
		default:
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	v := New(srv.URL, "s3cret", nil)
	ctx := context.Background()

	if err := v.Verify(ctx, "good", "203.0.113.7"); err != nil {
		t.Fatalf("good token: %v", err)
	}
	if got.secret != "s3cret" || got.response != "good" || got.remoteIP != "203.0.113.7" || got.contentType != "application/x-www-form-urlencoded" {
		t.Fatalf("the provider received %+v", got)
	}
	for _, tc := range []struct {
		token string
		want  error
	}{
		{"bad", ErrRejected},
		{"our-fault", ErrUnavailable},
		{"garbage", ErrUnavailable},
		{"server-error", ErrUnavailable},
	} {
		if err := v.Verify(ctx, tc.token, ""); !errors.Is(err, tc.want) {
			t.Errorf("token %q: %v, want %v", tc.token, err, tc.want)
		}
	}
	srv.Close()
	if err := v.Verify(ctx, "good", ""); !errors.Is(err, ErrUnavailable) {
		t.Errorf("provider down: %v, want ErrUnavailable", err)
	}
}
