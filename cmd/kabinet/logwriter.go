package main

import (
	"io"
	"sync"
	"time"
)

// logWriter gathers log lines in a buffer that a goroutine writes out every
// logInterval, or as soon as logBatch has gathered, so that neither a
// request nor the scheduler pays for a write(2) or a wake-up per access-log
// line: appending a line costs a lock and a copy. Lines keep their order.
// When the output falls behind by logMax, a writer writes the buffer out
// itself (no line is dropped; that writer waits). Flush writes out
// everything written before it; only a crash can lose the lines still
// gathered (at most logInterval's).
type logWriter struct {
	out   io.Writer
	outMu sync.Mutex // held while writing to out: one batch at a time, in order

	mu    sync.Mutex
	buf   []byte
	spare []byte
	kick  chan struct{}
}

const (
	logInterval = 100 * time.Millisecond
	logBatch    = 64 << 10 // gathered: write now
	logMax      = 1 << 20  // gathered: the writer writes it out itself
)

func newLogWriter(out io.Writer) *logWriter {
	w := &logWriter{out: out, kick: make(chan struct{}, 1)}
	go w.run()
	return w
}

// Write appends a copy of p (slog reuses its buffer).
func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf = append(w.buf, p...)
	n := len(w.buf)
	w.mu.Unlock()
	switch {
	case n >= logMax:
		w.Flush()
	case n >= logBatch:
		select {
		case w.kick <- struct{}{}:
		default: // already kicked
		}
	}
	return len(p), nil
}

// Flush returns once every line written before it has reached out.
func (w *logWriter) Flush() {
	w.outMu.Lock()
	defer w.outMu.Unlock()
	w.mu.Lock()
	b := w.buf
	w.buf, w.spare = w.spare[:0], nil
	w.mu.Unlock()
	if len(b) > 0 {
		_, _ = w.out.Write(b)
	}
	if cap(b) <= logMax { // keep a buffer of ordinary size for the next swap
		w.mu.Lock()
		w.spare = b[:0]
		w.mu.Unlock()
	}
}

func (w *logWriter) run() {
	tick := time.NewTicker(logInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-w.kick:
		}
		w.Flush()
	}
}
