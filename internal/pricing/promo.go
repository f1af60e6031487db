package pricing

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Kind of promo code discount.
type Kind string

// Discount kinds.
const (
	Percent Kind = "percent" // Value is 1–100 percent
	Fixed   Kind = "fixed"   // Value is kopecks
)

// Refusal says why a promo code does not apply. The values are stable codes
// the API returns.
type Refusal string

// Reasons for refusing a code.
const (
	RefusedExpired      Refusal = "expired"
	RefusedNotYetValid  Refusal = "not_yet_valid"
	RefusedUsedUp       Refusal = "used_up"
	RefusedNotForThis   Refusal = "not_for_this_program"
	RefusedBelowMinimum Refusal = "below_minimum"
	RefusedPerUserLimit Refusal = "per_user_limit"
)

// RefusedError is a promo code that does not apply, and why.
type RefusedError struct{ Reason Refusal }

func (e *RefusedError) Error() string { return "promo code refused: " + string(e.Reason) }

// Promo is a promo code's terms.
type Promo struct {
	Code       string
	Kind       Kind
	Value      int64
	Currency   string
	ValidFrom  *time.Time // inclusive
	ValidUntil *time.Time // exclusive
	MinAmount  int64      // of the eligible lines, kopecks
	// Programs and Categories restrict the code; both empty: any program.
	// A line is eligible when its program or its category is listed.
	Programs     []uuid.UUID
	Categories   []uuid.UUID
	MaxUses      *int32 // nil: unlimited
	Used         int32
	PerUserLimit *int32 // nil: unlimited
}

// Line is one program in an order.
type Line struct {
	ProgramID  uuid.UUID
	CategoryID uuid.UUID
	Amount     int64 // kopecks, before discount
}

// Order is what a code is evaluated against.
type Order struct {
	Currency string
	Lines    []Line
	// UserRedemptions is how often this user has redeemed the code already.
	UserRedemptions int64
}

// Discount is what a code takes off an order.
type Discount struct {
	Total int64
	// Lines is the discount on each order line (same order), summing to
	// Total; a receipt needs every item's own amount.
	Lines []int64
}

// NormalizeCode is how codes are stored and compared: trimmed, upper case.
func NormalizeCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// Evaluate applies p to o at time now, or says why it does not apply. The
// use counts it sees are a snapshot; Redeem decides them for good.
func Evaluate(p Promo, o Order, now time.Time) (Discount, error) {
	refuse := func(r Refusal) (Discount, error) { return Discount{}, &RefusedError{Reason: r} }
	switch {
	case p.ValidFrom != nil && now.Before(*p.ValidFrom):
		return refuse(RefusedNotYetValid)
	case p.ValidUntil != nil && !now.Before(*p.ValidUntil):
		return refuse(RefusedExpired)
	case p.MaxUses != nil && p.Used >= *p.MaxUses:
		return refuse(RefusedUsedUp)
	case p.PerUserLimit != nil && o.UserRedemptions >= int64(*p.PerUserLimit):
		return refuse(RefusedPerUserLimit)
	}
	eligible := make([]bool, len(o.Lines))
	var base int64
	for i, l := range o.Lines {
		eligible[i] = p.appliesTo(l)
		if eligible[i] {
			base += l.Amount
		}
	}
	if base == 0 || (p.Kind == Fixed && p.Currency != o.Currency) {
		return refuse(RefusedNotForThis)
	}
	if base < p.MinAmount {
		return refuse(RefusedBelowMinimum)
	}
	var total int64
	switch p.Kind {
	case Percent:
		total = roundHalfUp(base*p.Value, 100)
	case Fixed:
		total = min(p.Value, base)
	default:
		return Discount{}, fmt.Errorf("promo code %s: unknown kind %q", p.Code, p.Kind)
	}
	return Discount{Total: total, Lines: allocate(total, o.Lines, eligible, base)}, nil
}

func (p Promo) appliesTo(l Line) bool {
	if len(p.Programs) == 0 && len(p.Categories) == 0 {
		return true
	}
	return slices.Contains(p.Programs, l.ProgramID) || (l.CategoryID != uuid.Nil && slices.Contains(p.Categories, l.CategoryID))
}

// allocate spreads total over the eligible lines in proportion to their
// amounts (largest remainder), so the shares add up to total exactly and
// none exceeds its line.
func allocate(total int64, lines []Line, eligible []bool, base int64) []int64 {
	out := make([]int64, len(lines))
	rems := make([]int64, len(lines))
	var given int64
	for i, l := range lines {
		if !eligible[i] {
			continue
		}
		out[i] = total * l.Amount / base
		rems[i] = total * l.Amount % base
		given += out[i]
	}
	for left := total - given; left > 0; left-- {
		best := -1
		for i := range lines {
			if eligible[i] && out[i] < lines[i].Amount && (best < 0 || rems[i] > rems[best]) {
				best = i
			}
		}
		out[best]++
		rems[best] = -1
	}
	return out
}

func roundHalfUp(num, den int64) int64 {
	q, r := num/den, num%den
	if 2*r >= den {
		q++
	}
	return q
}
