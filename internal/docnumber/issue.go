package docnumber

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// Number is an issued registration number.
type Number struct {
	// Text is the formatted number printed on the document.
	Text string
	// Seq is the position in the sequence, from 1.
	Seq int64
	// Period is the counter's year for yearly patterns, else 0.
	Period int
}

var kindRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Next issues the next number of the organization's sequence for kind
// ("certificate", "diploma" …) on date. q must be bound to the transaction
// that stores the document (store.InTx): the counter row stays locked until
// it ends, and a rollback hands the number back.
func Next(ctx context.Context, q *db.Queries, orgID uuid.UUID, kind string, p *Pattern, date time.Time, prefix string) (Number, error) {
	if !kindRE.MatchString(kind) {
		return Number{}, fmt.Errorf("docnumber: invalid kind %q", kind)
	}
	period := p.Period(date)
	seq, err := q.NextDocumentNumber(ctx, db.NextDocumentNumberParams{OrganizationID: orgID, Kind: kind, Period: int32(period)})
	if err != nil {
		return Number{}, fmt.Errorf("docnumber: next %s number: %w", kind, err)
	}
	return Number{Text: p.Format(seq, date, prefix), Seq: seq, Period: period}, nil
}

// Last is the last sequence number issued for kind in the period of date (0
// before the first), for settings pages that preview the next number.
func Last(ctx context.Context, q *db.Queries, orgID uuid.UUID, kind string, p *Pattern, date time.Time) (int64, error) {
	return q.PeekDocumentNumber(ctx, db.PeekDocumentNumberParams{OrganizationID: orgID, Kind: kind, Period: int32(p.Period(date))})
}
