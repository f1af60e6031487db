package web

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
)

// AuditPage turns one more row than limit into a page of audit events with
// the cursor of the next page.
func AuditPage(rows []db.AuditEvent, limit int) (api.AuditEventPage, error) {
	page := api.AuditEventPage{}
	if len(rows) > limit {
		rows = rows[:limit]
		next := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(rows[len(rows)-1].ID, 10)))
		page.NextCursor = &next
	}
	page.Items = make([]api.AuditEvent, 0, len(rows))
	for _, r := range rows {
		details := map[string]any{}
		if err := json.Unmarshal(r.Details, &details); err != nil {
			return api.AuditEventPage{}, err
		}
		var ip *string
		if r.Ip != nil {
			ip = new(r.Ip.String())
		}
		page.Items = append(page.Items, api.AuditEvent{
			ID: r.ID, OccurredAt: r.OccurredAt.UTC(), Event: r.Event, UserID: r.UserID, ActorID: r.ActorID,
			OrganizationID: r.OrganizationID, IP: ip, UserAgent: r.UserAgent, Details: details,
		})
	}
	return page, nil
}

// DecodeAuditCursor returns the id below which the page starts: the cursor
// is base64url of the last id of the previous page.
func DecodeAuditCursor(c *string) (int64, bool) {
	if c == nil {
		return math.MaxInt64, true
	}
	raw, err := base64.RawURLEncoding.DecodeString(*c)
	if err != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(string(raw), 10, 64)
	return id, err == nil && id > 0
}
