package pricing_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/internal/pricing"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestSchedule(t *testing.T) {
	tests := []struct {
		name    string
		total   int64
		plan    pricing.Plan
		start   time.Time
		amounts []int64
		dues    []time.Time
	}{
		{
			name: "even thirds, remainder on the last", total: 10000, plan: pricing.Plan{Parts: 3},
			start: date(2026, 3, 10), amounts: []int64{3333, 3333, 3334},
			dues: []time.Time{date(2026, 3, 10), date(2026, 4, 10), date(2026, 5, 10)},
		},
		{
			name: "whole rubles", total: 1000000, plan: pricing.Plan{Parts: 3, RoundTo: 100},
			start: date(2026, 1, 1), amounts: []int64{333300, 333300, 333400},
		},
		{
			name: "first share 40%", total: 4999999, plan: pricing.Plan{Parts: 4, FirstSharePercent: 40},
			start: date(2026, 1, 1), amounts: []int64{1999999, 1000000, 1000000, 1000000},
		},
		{
			name: "first share rounded to rubles", total: 1234567, plan: pricing.Plan{Parts: 3, FirstSharePercent: 50, RoundTo: 100},
			start: date(2026, 1, 1), amounts: []int64{617200, 308600, 308767},
		},
		{
			name: "month-end clamping from 31 January (leap year)", total: 400, plan: pricing.Plan{Parts: 4},
			start: date(2028, 1, 31), amounts: []int64{100, 100, 100, 100},
			dues: []time.Time{date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31), date(2028, 4, 30)},
		},
		{
			name: "quarterly across the year end", total: 300, plan: pricing.Plan{Parts: 3, IntervalMonths: 3},
			start: date(2026, 11, 30), amounts: []int64{100, 100, 100},
			dues: []time.Time{date(2026, 11, 30), date(2027, 2, 28), date(2027, 5, 30)},
		},
		{
			name: "one part is the whole", total: 777, plan: pricing.Plan{Parts: 1},
			start: date(2026, 6, 15), amounts: []int64{777}, dues: []time.Time{date(2026, 6, 15)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, err := pricing.Schedule(tt.total, tt.plan, tt.start)
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			for i, p := range parts {
				sum += p.Amount
				if p.Number != i+1 || p.Amount != tt.amounts[i] {
					t.Errorf("part %d = %d (#%d), want %d", i, p.Amount, p.Number, tt.amounts[i])
				}
				if tt.dues != nil && !p.Due.Equal(tt.dues[i]) {
					t.Errorf("part %d due %s, want %s", i+1, p.Due.Format(time.DateOnly), tt.dues[i].Format(time.DateOnly))
				}
			}
			if len(parts) != len(tt.amounts) || sum != tt.total {
				t.Errorf("%d parts summing to %d, want %d summing to %d", len(parts), sum, len(tt.amounts), tt.total)
			}
		})
	}
}

// Every total and plan shape adds up exactly.
func TestScheduleSumsExactly(t *testing.T) {
	for parts := 1; parts <= 12; parts++ {
		for _, share := range []int{0, 10, 33, 50, 99} {
			if share > 0 && parts == 1 {
				continue
			}
			for _, round := range []int64{0, 100, 1000} {
				for _, total := range []int64{100000, 123457, 999999, 1500001, 73} {
					plan := pricing.Plan{Parts: parts, FirstSharePercent: share, RoundTo: round}
					ps, err := pricing.Schedule(total, plan, date(2026, 1, 31))
					if err != nil {
						continue // too small for the plan: refused, never wrong
					}
					var sum int64
					for _, p := range ps {
						if p.Amount <= 0 {
							t.Fatalf("%+v total %d: part %d is %d", plan, total, p.Number, p.Amount)
						}
						sum += p.Amount
					}
					if sum != total {
						t.Fatalf("%+v total %d: parts sum to %d", plan, total, sum)
					}
				}
			}
		}
	}
}

func TestScheduleRefusals(t *testing.T) {
	tests := []struct {
		name  string
		total int64
		plan  pricing.Plan
		want  error
	}{
		{"no parts", 100, pricing.Plan{}, pricing.ErrInvalidPlan},
		{"share without parts", 100, pricing.Plan{Parts: 1, FirstSharePercent: 30}, pricing.ErrInvalidPlan},
		{"share 100%", 100, pricing.Plan{Parts: 2, FirstSharePercent: 100}, pricing.ErrInvalidPlan},
		{"zero total", 0, pricing.Plan{Parts: 2}, pricing.ErrInvalidPlan},
		{"a part would be zero", 2, pricing.Plan{Parts: 3}, pricing.ErrInvalidPlan},
		{"below the plan's minimum", 999, pricing.Plan{Parts: 2, MinOrderAmount: 1000}, pricing.ErrBelowPlanMinimum},
	}
	for _, tt := range tests {
		if _, err := pricing.Schedule(tt.total, tt.plan, date(2026, 1, 1)); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestEarlyRepaymentAndOverdue(t *testing.T) {
	parts, err := pricing.Schedule(10000, pricing.Plan{Parts: 3, GraceDays: 5}, date(2026, 3, 10))
	if err != nil {
		t.Fatal(err)
	}
	r, err := pricing.EarlyRepayment(parts, []bool{true})
	if err != nil || r.Amount != 6667 || len(r.Parts) != 2 || r.Parts[0] != 2 || r.Parts[1] != 3 {
		t.Errorf("EarlyRepayment = %+v, %v", r, err)
	}
	if _, err := pricing.EarlyRepayment(parts, []bool{true, true, true}); !errors.Is(err, pricing.ErrNothingOutstanding) {
		t.Errorf("fully paid: err = %v", err)
	}
	if !parts[1].GraceEnds.Equal(date(2026, 4, 15)) {
		t.Errorf("grace ends %s", parts[1].GraceEnds)
	}
	tests := []struct {
		now  time.Time
		paid []bool
		want int
	}{
		{date(2026, 4, 15).Add(23 * time.Hour), []bool{true}, 0}, // the last day of grace
		{date(2026, 4, 16), []bool{true}, 1},
		{date(2026, 4, 16), []bool{true, true}, 0},
		{date(2026, 6, 1), []bool{true}, 2},
		{date(2026, 3, 16), nil, 1},
	}
	for _, tt := range tests {
		if got := pricing.Overdue(parts, tt.paid, tt.now); len(got) != tt.want {
			t.Errorf("Overdue at %s with %v = %d parts, want %d", tt.now, tt.paid, len(got), tt.want)
		}
	}
}
