package web

import "time"

// UTCPtr returns t in UTC, or nil for nil: API timestamps are always UTC.
func UTCPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
