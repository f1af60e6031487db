// Package auth holds Kabinet's credential logic: argon2id password hashes,
// the password policy, access tokens (Ed25519 JWTs) and refresh tokens.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/kabinet-edu/kabinet/internal/config"
)

const (
	saltLen = 16
	keyLen  = 32
)

// ErrMalformedHash means a stored hash is not in the PHC argon2id format.
var ErrMalformedHash = errors.New("malformed password hash")

// Hasher makes and checks argon2id password hashes in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$key). It bounds how many hashes run at once,
// because each one holds Params.MemoryKiB of memory.
type Hasher struct {
	params config.Argon2Params
	slots  chan struct{}
	dummy  string
	// running counts the hashes being computed; idle, when set, runs once
	// idleDelay after the last of them ended (see WhenIdle).
	running   atomic.Int32
	idle      func()
	idleDelay time.Duration
	armed     atomic.Bool
}

// WhenIdle makes f run, on its own goroutine, delay after a hash ends when
// no hash is running by then: the moment to hand the hashes' memory
// (Params.MemoryKiB each, garbage once they end) back to the operating
// system. Call it before the Hasher is used.
func (h *Hasher) WhenIdle(delay time.Duration, f func()) { h.idle, h.idleDelay = f, delay }

// NewHasher returns a Hasher for new hashes with params, running at most
// maxConcurrent computations at a time.
func NewHasher(params config.Argon2Params, maxConcurrent int) (*Hasher, error) {
	h := &Hasher{params: params, slots: make(chan struct{}, max(maxConcurrent, 1))}
	// A hash of a random password: checked against when the account does not
	// exist, so that unknown and known logins take the same time.
	dummy, err := h.Hash(context.Background(), rand.Text())
	if err != nil {
		return nil, err
	}
	h.dummy = dummy
	return h, nil
}

// Hash returns the PHC-encoded argon2id hash of password with a fresh salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := h.derive(ctx, password, salt, h.params, keyLen)
	if err != nil {
		return "", err
	}
	p := h.params
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Iterations, p.Parallelism,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches encoded, and whether the hash
// should be replaced because it was made with other parameters.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, false, err
	}
	got, err := h.derive(ctx, password, salt, p, uint32(len(want)))
	if err != nil {
		return false, false, err
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	return true, p != h.params, nil
}

// VerifyDummy spends the same time as Verify on a hash that never matches;
// call it when the account is unknown.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	_, _, err := h.Verify(ctx, password, h.dummy)
	return err
}

func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p config.Argon2Params, n uint32) ([]byte, error) {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	h.running.Add(1)
	defer func() {
		<-h.slots
		if h.running.Add(-1) == 0 && h.idle != nil && h.armed.CompareAndSwap(false, true) {
			time.AfterFunc(h.idleDelay, func() {
				h.armed.Store(false)
				if h.running.Load() == 0 {
					h.idle()
				}
			})
		}
	}()
	return argon2.IDKey([]byte(password), salt, p.Iterations, p.MemoryKiB, p.Parallelism, n), nil
}

var b64 = base64.RawStdEncoding

func decodeHash(encoded string) (config.Argon2Params, []byte, []byte, error) {
	var p config.Argon2Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, ErrMalformedHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Iterations, &p.Parallelism); err != nil {
		return p, nil, nil, ErrMalformedHash
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, ErrMalformedHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return p, nil, nil, ErrMalformedHash
	}
	return p, salt, key, nil
}
