package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
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
