package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for one writer and a reader.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func TestLogWriterKeepsEveryLineInOrder(t *testing.T) {
	out := &syncBuffer{}
	w := newLogWriter(out)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				fmt.Fprintf(w, "g%d line %d\n", g, i)
			}
		})
	}
	wg.Wait()
	w.Flush()
	out.mu.Lock()
	lines := strings.Split(strings.TrimSuffix(out.b.String(), "\n"), "\n")
	writes := out.writes
	out.mu.Unlock()
	if len(lines) != 2000 {
		t.Fatalf("%d lines, want 2000", len(lines))
	}
	next := map[string]int{}
	for _, l := range lines {
		var g string
		var i int
		if _, err := fmt.Sscanf(l, "%s line %d", &g, &i); err != nil || next[g] != i {
			t.Fatalf("line %q out of order (want %s line %d)", l, g, next[g])
		}
		next[g]++
	}
	t.Logf("2000 lines in %d writes", writes)
	w.Flush() // nothing queued: returns at once
}

// TestLogWriterWritesWithoutFlush: a line reaches the output within a few
// intervals with nobody calling Flush, and a burst beyond logMax is written
// by its writer before Write returns.
func TestLogWriterWritesWithoutFlush(t *testing.T) {
	out := &syncBuffer{}
	w := newLogWriter(out)
	fmt.Fprintln(w, "one line")
	deadline := time.Now().Add(20 * logInterval)
	for {
		out.mu.Lock()
		got := out.b.String()
		out.mu.Unlock()
		if got == "one line\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the output holds %q", 20*logInterval, got)
		}
		time.Sleep(logInterval / 4)
	}

	big := strings.Repeat("x", logMax)
	fmt.Fprintln(w, big)
	out.mu.Lock()
	n := out.b.Len()
	out.mu.Unlock()
	if n < logMax {
		t.Fatalf("a line of %d bytes is still held after Write returned (output %d bytes)", logMax, n)
	}
}
