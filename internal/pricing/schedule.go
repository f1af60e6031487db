// Package pricing holds the arithmetic of what a learner pays: installment
// schedules (рассрочка) and promo codes. It is pure logic over integer
// kopecks, except Redeem and Release, which count a promo code's uses in the
// caller's transaction.
package pricing

import (
	"errors"
	"fmt"
	"time"
)

// Plan is an organization's installment plan.
type Plan struct {
	// Parts is the number of payments, at least 1 (1 = pay in full).
	Parts int
	// FirstSharePercent is the first payment's share of the total (1–99);
	// 0 splits the total evenly.
	FirstSharePercent int
	// IntervalMonths is the time between due dates; 0 means monthly.
	IntervalMonths int
	// GraceDays is how long a part may stay unpaid after its due date before
	// access to the program is suspended.
	GraceDays int
	// MinOrderAmount is the smallest total (kopecks) the plan is offered for.
	MinOrderAmount int64
	// RoundTo rounds every part but the last down to a multiple of this many
	// kopecks (100: whole rubles); the last part takes what is left. 0 or 1:
	// to the kopeck.
	RoundTo int64
}

// Part is one payment of a schedule.
type Part struct {
	Number int // from 1
	Amount int64
	// Due is the day the part is due (midnight in the start date's location).
	Due time.Time
	// GraceEnds is the last day the part may be paid before access is
	// suspended: Due plus the plan's grace days.
	GraceEnds time.Time
}

var (
	// ErrInvalidPlan reports a plan whose numbers make no schedule.
	ErrInvalidPlan = errors.New("invalid installment plan")
	// ErrBelowPlanMinimum reports a total below the plan's minimum order amount.
	ErrBelowPlanMinimum = errors.New("order total is below the plan's minimum")
	// ErrNothingOutstanding reports an early repayment of a schedule fully paid.
	ErrNothingOutstanding = errors.New("nothing is left to pay")
)

// Schedule splits total into the plan's parts, due from start on (the first
// part on the start date itself). The parts add up to total exactly: every
// part but the last is rounded down, and the last takes the remainder. Due
// dates keep the start's day of month, clamped to the month's end (a start
// on 31 January gives 28 or 29 February, then 31 March).
func Schedule(total int64, plan Plan, start time.Time) ([]Part, error) {
	if err := plan.validate(); err != nil {
		return nil, err
	}
	if total <= 0 {
		return nil, fmt.Errorf("%w: total must be positive", ErrInvalidPlan)
	}
	if total < plan.MinOrderAmount {
		return nil, ErrBelowPlanMinimum
	}
	amounts := split(total, plan)
	interval := max(plan.IntervalMonths, 1)
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, start.Location())
	parts := make([]Part, len(amounts))
	for i, a := range amounts {
		if a <= 0 {
			return nil, fmt.Errorf("%w: the total is too small for %d parts", ErrInvalidPlan, plan.Parts)
		}
		due := AddMonths(day, i*interval)
		parts[i] = Part{Number: i + 1, Amount: a, Due: due, GraceEnds: due.AddDate(0, 0, plan.GraceDays)}
	}
	return parts, nil
}

func (p Plan) validate() error {
	switch {
	case p.Parts < 1 || p.Parts > 60:
		return fmt.Errorf("%w: parts must be 1–60", ErrInvalidPlan)
	case p.FirstSharePercent < 0 || p.FirstSharePercent > 99:
		return fmt.Errorf("%w: first share must be 0–99%%", ErrInvalidPlan)
	case p.FirstSharePercent > 0 && p.Parts == 1:
		return fmt.Errorf("%w: a first share needs at least two parts", ErrInvalidPlan)
	case p.IntervalMonths < 0 || p.IntervalMonths > 12, p.GraceDays < 0, p.MinOrderAmount < 0, p.RoundTo < 0:
		return ErrInvalidPlan
	}
	return nil
}

func split(total int64, plan Plan) []int64 {
	unit := max(plan.RoundTo, 1)
	down := func(v int64) int64 { return v / unit * unit }
	out := make([]int64, 0, plan.Parts)
	rest, n := total, plan.Parts
	if plan.FirstSharePercent > 0 {
		first := down(total * int64(plan.FirstSharePercent) / 100)
		out = append(out, first)
		rest -= first
		n--
	}
	each := down(rest / int64(n))
	for range n - 1 {
		out = append(out, each)
		rest -= each
	}
	return append(out, rest)
}

// AddMonths moves a date by n months, keeping its day of month where the
// target month has it and clamping to the month's last day otherwise.
func AddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// Repayment is the early repayment of everything not yet paid.
type Repayment struct {
	Amount int64
	Parts  []int // the numbers of the parts it settles
}

// EarlyRepayment sums the parts not yet paid (paid[i] tells about
// parts[i]) into one payment that settles them all.
func EarlyRepayment(parts []Part, paid []bool) (Repayment, error) {
	var r Repayment
	for i, p := range parts {
		if i < len(paid) && paid[i] {
			continue
		}
		r.Amount += p.Amount
		r.Parts = append(r.Parts, p.Number)
	}
	if r.Amount == 0 {
		return r, ErrNothingOutstanding
	}
	return r, nil
}

// Overdue lists the unpaid parts whose grace period ended before now's day:
// while there is one, access to the program is suspended.
func Overdue(parts []Part, paid []bool, now time.Time) []Part {
	var out []Part
	for i, p := range parts {
		if i < len(paid) && paid[i] {
			continue
		}
		y, m, d := now.In(p.Due.Location()).Date()
		if time.Date(y, m, d, 0, 0, 0, 0, p.Due.Location()).After(p.GraceEnds) {
			out = append(out, p)
		}
	}
	return out
}
