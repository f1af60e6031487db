package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

type result struct {
	Name        string   `json:"name"`
	Requests    uint64   `json:"requests"`
	Workers     uint64   `json:"workers"`
	Throughput  float64  `json:"requestsPerSecond"`
	P50Millis   float64  `json:"p50Ms"`
	P99Millis   float64  `json:"p99Ms"`
	MaxMillis   float64  `json:"maxMs"`
	SuccessRate float64  `json:"successRate"`
	Errors      []string `json:"errors,omitempty"`
	// Ratios to the ceiling's GET /me in the same run (0 without a ceiling).
	ThroughputRatio float64 `json:"throughputRatio,omitempty"`
	P99Ratio        float64 `json:"p99Ratio,omitempty"`
}

func (r result) log() {
	fmt.Fprintf(os.Stderr, "%-38s %6d req  %8.1f req/s  p50 %7.2f ms  p99 %7.2f ms  ok %5.1f%%\n",
		r.Name, r.Requests, r.Throughput, r.P50Millis, r.P99Millis, 100*r.SuccessRate)
}

// ceilingReport holds the ceiling's runs (before and after Kabinet's reads)
// and the reference made of them.
type ceilingReport struct {
	Runs       []result `json:"runs"`
	Reference  result   `json:"reference"` // mean of the runs
	IdleRSSMiB float64  `json:"idleRssMiB"`
	PeakRSSMiB float64  `json:"peakRssMiB"`
}

type report struct {
	Time     time.Time      `json:"time"`
	Host     string         `json:"host"`
	CPUs     int            `json:"cpus"`
	Duration string         `json:"durationPerAttack"`
	Ceiling  *ceilingReport `json:"ceiling,omitempty"`
	Results  []result       `json:"results"`
	// Kabinet's RSS: the high-water mark of the start-up and the RSS at
	// rest after it; then (the mark reset) its high-water mark after the read
	// attacks (GET /me and /me/sessions), after refresh, and at the end (the
	// login attacks, where argon2id dominates).
	StartPeakRSSMiB   float64 `json:"startPeakRssMiB"`
	IdleRSSMiB        float64 `json:"idleRssMiB"`
	ReadsPeakRSSMiB   float64 `json:"readsPeakRssMiB"`
	RefreshPeakRSSMiB float64 `json:"refreshPeakRssMiB"`
	PeakRSSMiB        float64 `json:"peakRssMiB"`
}

// readRun is a read attack and the ceiling runs just before and after it
// (indexes into ceilingReport.Runs, -1 without a ceiling).
type readRun struct {
	res           result
	before, after int
}

// bracketed merges the rounds of each read endpoint (mean req/s and
// latencies, summed requests) with its ratio to the ceiling runs around
// each round (the mean of the rounds' ratios).
func (rep *report) bracketed(runs []readRun) []result {
	var order []string
	byName := map[string][]readRun{}
	for _, r := range runs {
		if _, ok := byName[r.res.Name]; !ok {
			order = append(order, r.res.Name)
		}
		byName[r.res.Name] = append(byName[r.res.Name], r)
	}
	var out []result
	for _, name := range order {
		rs := byName[name]
		n := float64(len(rs))
		m := result{Name: name, Workers: rs[0].res.Workers, SuccessRate: 1}
		for _, r := range rs {
			m.Requests += r.res.Requests
			m.Throughput += r.res.Throughput / n
			m.P50Millis += r.res.P50Millis / n
			m.P99Millis += r.res.P99Millis / n
			m.MaxMillis = max(m.MaxMillis, r.res.MaxMillis)
			m.SuccessRate = min(m.SuccessRate, r.res.SuccessRate)
			m.Errors = append(m.Errors, r.res.Errors...)
			if rep.Ceiling != nil && r.before >= 0 && r.after >= 0 {
				a, b := rep.Ceiling.Runs[r.before], rep.Ceiling.Runs[r.after]
				m.ThroughputRatio += r.res.Throughput / ((a.Throughput + b.Throughput) / 2) / n
				m.P99Ratio += r.res.P99Millis / ((a.P99Millis + b.P99Millis) / 2) / n
			}
		}
		out = append(out, m)
	}
	return out
}

// ratios fills the reference from the ceiling's runs and the ratios to it
// of every result that has none yet (the reads have theirs, bracketed).
func (rep *report) ratios() {
	c := rep.Ceiling
	if c == nil || len(c.Runs) == 0 {
		return
	}
	ref := result{Name: "ceiling GET /me (mean of runs)", Workers: c.Runs[0].Workers, SuccessRate: 1}
	n := float64(len(c.Runs))
	for _, r := range c.Runs {
		ref.Requests += r.Requests
		ref.Throughput += r.Throughput / n
		ref.P50Millis += r.P50Millis / n
		ref.P99Millis += r.P99Millis / n
		ref.MaxMillis = max(ref.MaxMillis, r.MaxMillis)
		ref.SuccessRate = min(ref.SuccessRate, r.SuccessRate)
	}
	c.Reference = ref
	for i := range rep.Results {
		r := &rep.Results[i]
		if r.ThroughputRatio != 0 {
			continue
		}
		if ref.Throughput > 0 {
			r.ThroughputRatio = r.Throughput / ref.Throughput
		}
		if ref.P99Millis > 0 {
			r.P99Ratio = r.P99Millis / ref.P99Millis
		}
	}
}

// goals are the targets of issue 12, checked against this run.
func (rep *report) goals() []string {
	find := func(name string) *result {
		for i := range rep.Results {
			if rep.Results[i].Name == name {
				return &rep.Results[i]
			}
		}
		return nil
	}
	mark := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	var out []string
	if me := find("GET /api/v1/me"); me != nil && rep.Ceiling != nil {
		out = append(out, fmt.Sprintf("GET /api/v1/me ≥ 0.80 of the ceiling's req/s (%.2f) and p99 ≤ 1.5× (%.2f): %s",
			me.ThroughputRatio, me.P99Ratio, mark(me.ThroughputRatio >= 0.80 && me.P99Ratio <= 1.5)))
	}
	if s := find("GET /api/v1/me/sessions"); s != nil && rep.Ceiling != nil {
		out = append(out, fmt.Sprintf("GET /api/v1/me/sessions ≥ 0.70 (%.2f): %s", s.ThroughputRatio, mark(s.ThroughputRatio >= 0.70)))
	}
	if r := find("POST /api/v1/auth/refresh"); r != nil {
		out = append(out, fmt.Sprintf("refresh ≥ 2,500/s (%.0f): %s", r.Throughput, mark(r.Throughput >= 2500)))
	}
	out = append(out,
		fmt.Sprintf("RSS ≤ 40 MB idle (%.1f MiB = %.1f MB): %s", rep.IdleRSSMiB, rep.IdleRSSMiB*1.048576, mark(rep.IdleRSSMiB*1.048576 <= 40)),
		fmt.Sprintf("RSS ≤ 60 MB peak under the read load (%.1f MiB = %.1f MB): %s", rep.ReadsPeakRSSMiB, rep.ReadsPeakRSSMiB*1.048576, mark(rep.ReadsPeakRSSMiB*1.048576 <= 60)))
	return out
}

func write(rep report, dir string) error {
	js, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "results.json"), js, 0o644); err != nil {
		return err
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# Kabinet benchmark, %s\n\n%d CPUs, %s per attack, closed loop on loopback (load generator on the same cores). "+
		"The reads' ratios are to the ceiling runs just before and after them; the others' to the mean of all ceiling runs.\n\n",
		rep.Time.Format(time.RFC3339), rep.CPUs, rep.Duration)
	md.WriteString("| endpoint | workers | requests | req/s | p50 ms | p99 ms | max ms | success | × ceiling req/s | × ceiling p99 |\n|---|---|---|---|---|---|---|---|---|---|\n")
	row := func(r result, ratios bool) {
		fmt.Fprintf(&md, "| %s | %d | %d | %.1f | %.2f | %.2f | %.2f | %.1f%% |", r.Name, r.Workers, r.Requests, r.Throughput, r.P50Millis, r.P99Millis, r.MaxMillis, 100*r.SuccessRate)
		if ratios {
			fmt.Fprintf(&md, " %.2f | %.2f |\n", r.ThroughputRatio, r.P99Ratio)
		} else {
			md.WriteString(" | |\n")
		}
	}
	if c := rep.Ceiling; c != nil {
		for _, r := range c.Runs {
			row(r, false)
		}
		row(c.Reference, false)
	}
	for _, r := range rep.Results {
		row(r, rep.Ceiling != nil)
	}
	fmt.Fprintf(&md, "\nKabinet RSS (MiB): %.1f idle (start-up peak %.1f); peak %.1f under the reads, %.1f with refresh, %.1f with login (argon2id).\n",
		rep.IdleRSSMiB, rep.StartPeakRSSMiB, rep.ReadsPeakRSSMiB, rep.RefreshPeakRSSMiB, rep.PeakRSSMiB)
	if c := rep.Ceiling; c != nil {
		fmt.Fprintf(&md, "Ceiling RSS (MiB): %.1f idle, %.1f peak.\n", c.IdleRSSMiB, c.PeakRSSMiB)
	}
	md.WriteString("\nGoals (issue 12):\n\n")
	for _, g := range rep.goals() {
		md.WriteString("- " + g + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(md.String()), 0o644); err != nil {
		return err
	}
	fmt.Print(md.String())
	return nil
}
