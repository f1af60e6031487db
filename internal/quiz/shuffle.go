package quiz

import (
	"crypto/rand"
	"encoding/binary"
	"hash/fnv"
	"slices"
)

// NewSeed returns a random attempt seed.
func NewSeed() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return int64(binary.LittleEndian.Uint64(b[:]))
}

// stream is a splitmix64 generator: tiny, fixed forever (unlike
// math/rand's algorithms, which a Go release may change), and good enough
// for shuffling.
type stream struct{ state uint64 }

// newStream derives an independent stream for one purpose ("questions",
// "options:q7") from the attempt's seed.
func newStream(seed int64, purpose string) *stream {
	h := fnv.New64a()
	h.Write([]byte(purpose))
	return &stream{state: uint64(seed) ^ h.Sum64()}
}

func (s *stream) next() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn is uniform in [0, n) by rejection (no modulo bias).
func (s *stream) intn(n int) int {
	limit := ^uint64(0) - ^uint64(0)%uint64(n)
	for {
		if v := s.next(); v < limit {
			return int(v % uint64(n))
		}
	}
}

// shuffle permutes xs in place (Fisher–Yates).
func shuffle[T any](s *stream, xs []T) {
	for i := len(xs) - 1; i > 0; i-- {
		j := s.intn(i + 1)
		xs[i], xs[j] = xs[j], xs[i]
	}
}

// shuffledOptions returns opts in the order the attempt shows them. With
// mustMove (items to order, matching targets, whose authored order may be
// the answer) an order equal to the authored one is rotated by one, so the
// authored order is never shown as it is.
func shuffledOptions(seed int64, purpose string, opts []Option, mustMove bool) []Option {
	out := slices.Clone(opts)
	shuffle(newStream(seed, purpose), out)
	if mustMove && len(out) > 1 && slices.EqualFunc(out, opts, func(a, b Option) bool { return a.ID == b.ID }) {
		out = append(out[1:], out[0])
	}
	return out
}
