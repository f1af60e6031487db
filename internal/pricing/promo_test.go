package pricing_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/internal/pricing"
)

func ptr[T any](v T) *T { return &v }

func TestEvaluate(t *testing.T) {
	now := date(2026, 5, 1)
	progA, progB, catX := uuid.New(), uuid.New(), uuid.New()
	order := pricing.Order{Currency: "RUB", Lines: []pricing.Line{
		{ProgramID: progA, Amount: 3000000},
		{ProgramID: progB, CategoryID: catX, Amount: 1000000},
	}}
	tests := []struct {
		name   string
		promo  pricing.Promo
		order  pricing.Order
		total  int64
		lines  []int64
		refuse pricing.Refusal
	}{
		{name: "10% of everything", promo: pricing.Promo{Kind: pricing.Percent, Value: 10},
			order: order, total: 400000, lines: []int64{300000, 100000}},
		{name: "fixed split by share", promo: pricing.Promo{Kind: pricing.Fixed, Value: 100001, Currency: "RUB"},
			order: order, total: 100001, lines: []int64{75001, 25000}},
		{name: "fixed larger than the order", promo: pricing.Promo{Kind: pricing.Fixed, Value: 9000000, Currency: "RUB"},
			order: order, total: 4000000, lines: []int64{3000000, 1000000}},
		{name: "percent rounds half up", promo: pricing.Promo{Kind: pricing.Percent, Value: 15},
			order: pricing.Order{Currency: "RUB", Lines: []pricing.Line{{Amount: 10}, {Amount: 20}}}, total: 5, lines: []int64{2, 3}},
		{name: "program restriction", promo: pricing.Promo{Kind: pricing.Percent, Value: 50, Programs: []uuid.UUID{progB}},
			order: order, total: 500000, lines: []int64{0, 500000}},
		{name: "category restriction", promo: pricing.Promo{Kind: pricing.Percent, Value: 100, Categories: []uuid.UUID{catX}},
			order: order, total: 1000000, lines: []int64{0, 1000000}},
		{name: "minimum met by eligible lines", promo: pricing.Promo{Kind: pricing.Percent, Value: 5, MinAmount: 4000000},
			order: order, total: 200000, lines: []int64{150000, 50000}},
		{name: "valid at the window's start", promo: pricing.Promo{Kind: pricing.Percent, Value: 5, ValidFrom: ptr(now), ValidUntil: ptr(now.Add(time.Hour))},
			order: order, total: 200000, lines: []int64{150000, 50000}},

		{name: "not yet valid", promo: pricing.Promo{Kind: pricing.Percent, Value: 5, ValidFrom: ptr(now.Add(time.Second))}, order: order, refuse: pricing.RefusedNotYetValid},
		{name: "expired at its end", promo: pricing.Promo{Kind: pricing.Percent, Value: 5, ValidUntil: ptr(now)}, order: order, refuse: pricing.RefusedExpired},
		{name: "used up", promo: pricing.Promo{Kind: pricing.Percent, Value: 5, MaxUses: ptr[int32](3), Used: 3}, order: order, refuse: pricing.RefusedUsedUp},
		{name: "per user", promo: pricing.Promo{Kind: pricing.Percent, Value: 5, PerUserLimit: ptr[int32](1)},
			order: pricing.Order{Currency: "RUB", Lines: order.Lines, UserRedemptions: 1}, refuse: pricing.RefusedPerUserLimit},
		{name: "other program", promo: pricing.Promo{Kind: pricing.Percent, Value: 5, Programs: []uuid.UUID{uuid.New()}}, order: order, refuse: pricing.RefusedNotForThis},
		{name: "fixed in another currency", promo: pricing.Promo{Kind: pricing.Fixed, Value: 100, Currency: "USD"}, order: order, refuse: pricing.RefusedNotForThis},
		{name: "below minimum (restricted lines only)", promo: pricing.Promo{Kind: pricing.Percent, Value: 5, Programs: []uuid.UUID{progB}, MinAmount: 2000000},
			order: order, refuse: pricing.RefusedBelowMinimum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := pricing.Evaluate(tt.promo, tt.order, now)
			if tt.refuse != "" {
				var re *pricing.RefusedError
				if !errors.As(err, &re) || re.Reason != tt.refuse {
					t.Fatalf("err = %v, want refusal %s", err, tt.refuse)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			for i, l := range d.Lines {
				sum += l
				if l != tt.lines[i] {
					t.Errorf("line %d discount %d, want %d", i, l, tt.lines[i])
				}
			}
			if d.Total != tt.total || sum != d.Total {
				t.Errorf("total %d (lines sum %d), want %d", d.Total, sum, tt.total)
			}
		})
	}
}

func TestNormalizeCode(t *testing.T) {
	if got := pricing.NormalizeCode("  spring26 "); got != "SPRING26" {
		t.Errorf("NormalizeCode = %q", got)
	}
}
