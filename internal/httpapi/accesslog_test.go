package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"testing"
	"time"
)

// TestAccessJSONIsSlogsLine: the hand-written access line is byte for byte
// what slog's JSON handler writes for the same fields (the time apart,
// which each takes itself), escapes included.
func TestAccessJSONIsSlogsLine(t *testing.T) {
	lines := []accessLine{
		{requestID: "0b9e4f8e-6d2f-4a57-9b3c-2f1f0c9d5e11", method: "GET", route: "/api/v1/me", path: "/api/v1/me", ip: "127.0.0.1", status: 200, bytes: 512, duration: 1234567 * time.Nanosecond},
		{requestID: "r", method: "POST", route: "", path: "/a\"b\\c\x00\x1f\n\t\r/\u2028\u2029/<&>/привет/\xff\xfe", ip: "::1", status: 503, bytes: 0, duration: 0},
		{method: "DELETE", route: "/x/:id", path: "/x/1", status: 404, bytes: -1, duration: 90 * time.Second},
		{method: "GET", path: "/ok", status: 0, duration: 999 * time.Nanosecond},
	}
	stamp := regexp.MustCompile(`^\{"time":"[^"]*",`)
	for _, l := range lines {
		level := slog.LevelInfo
		if l.status >= 500 {
			level = slog.LevelError
		}
		var want, got bytes.Buffer
		logAccess(context.Background(), slog.New(slog.NewJSONHandler(&want, nil)), level, l)
		now := time.Date(2026, 12, 2, 13, 4, 5, 60000000, time.UTC)
		writeAccessJSON(&got, now, level, l)
		if w, g := stamp.ReplaceAllString(want.String(), "{"), stamp.ReplaceAllString(got.String(), "{"); w != g {
			t.Errorf("fields differ:\nslog %s\nfast %s", w, g)
		}
		var m map[string]any
		if err := json.Unmarshal(got.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %v: %s", err, got.String())
		}
		if at, err := time.Parse(time.RFC3339Nano, m["time"].(string)); err != nil || !at.Equal(now) {
			t.Errorf("time %v (%v), want %s", m["time"], err, now)
		}
	}
}
