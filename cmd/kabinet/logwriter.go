package main

import (
	"io"
	"sync"
)

// logWriter hands log lines to a goroutine that writes them, so that a
// request does not wait for the write(2) of its access-log line; lines that
// arrive while a write is under way go out together in the next one. Lines
// keep their order. Flush waits until everything handed over is written;
// only a crash can lose the lines still queued (a few, at most the queue).
type logWriter struct {
	out   io.Writer
	lines chan []byte
	flush chan chan struct{}
	pool  sync.Pool
}

const (
	logQueue = 1024     // lines waiting; a writer blocks beyond (no line is dropped)
	logBatch = 64 << 10 // at most this much per write
)

func newLogWriter(out io.Writer) *logWriter {
	w := &logWriter{out: out, lines: make(chan []byte, logQueue), flush: make(chan chan struct{})}
	go w.run()
	return w
}

// Write queues a copy of p (slog reuses its buffer).
func (w *logWriter) Write(p []byte) (int, error) {
	b, _ := w.pool.Get().(*[]byte)
	if b == nil {
		b = new([]byte)
	}
	*b = append((*b)[:0], p...)
	w.lines <- *b
	return len(p), nil
}

// Flush returns once every line written before it has reached out.
func (w *logWriter) Flush() {
	done := make(chan struct{})
	w.flush <- done
	<-done
}

func (w *logWriter) run() {
	var batch []byte
	take := func(b []byte) {
		batch = append(batch, b...)
		w.pool.Put(&b)
	}
	for {
		select {
		case b := <-w.lines:
			take(b)
		more:
			for len(batch) < logBatch {
				select {
				case b := <-w.lines:
					take(b)
				default:
					break more
				}
			}
			_, _ = w.out.Write(batch)
			batch = batch[:0]
		case done := <-w.flush:
			for len(w.lines) > 0 {
				take(<-w.lines)
			}
			_, _ = w.out.Write(batch)
			batch = batch[:0]
			close(done)
		}
	}
}
