package auth

import (
	"crypto/ed25519"
	"crypto/sha256"
	"sync"
	"time"
	"unsafe"

	"github.com/google/uuid"
)

// DefaultTokenCacheSize is the number of verified access tokens an Issuer
// remembers unless told otherwise (about 1.5 MiB when full).
const DefaultTokenCacheSize = 10000

// trustedKey is a key that verifies tokens. Cached tokens point at the key
// that verified them: a token whose key is no longer in the trusted set (it
// was retired) is verified again, and refused.
type trustedKey struct {
	kid string
	pub ed25519.PublicKey
}

// verified is what a cached token's signature and claims proved.
type verified struct {
	userID, sessionID uuid.UUID
	expires           time.Time
	key               *trustedKey
}

// tokenCache is a bounded map from the SHA-256 of an access token to what
// its verification proved, so that the Ed25519 signature of a token is
// checked once, not on every request. It only ever holds tokens that
// verified, so it cannot be filled by forged ones; a hash of the token (not
// a cheaper checksum) is the key because a collision would stand in for a
// signature. The expiry and the key's trust are checked again on every hit
// by the Issuer; the session behind the token is not this cache's business
// (callers check it on every request).
//
// It is split in shards, each evicting its oldest entry when full.
type tokenCache struct {
	shards [tokenCacheShards]tokenShard
}

const tokenCacheShards = 16

type tokenShard struct {
	mu      sync.RWMutex
	entries map[[sha256.Size]byte]verified
	order   [][sha256.Size]byte // insertion order, for eviction
	next    int                 // the oldest slot of order once it is full
	limit   int
}

// newTokenCache returns a cache of at most size tokens, nil when size < 1.
func newTokenCache(size int) *tokenCache {
	if size < 1 {
		return nil
	}
	c := &tokenCache{}
	per := max(1, (size+tokenCacheShards-1)/tokenCacheShards)
	for i := range c.shards {
		c.shards[i].entries = make(map[[sha256.Size]byte]verified)
		c.shards[i].limit = per
	}
	return c
}

// tokenKey is the cache key of a token. The token's bytes are hashed in
// place: unsafe.Slice only spares the copy []byte(token) would make, and
// sha256 does not write to its input.
func tokenKey(token string) [sha256.Size]byte {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token)))
}

func (c *tokenCache) shard(k *[sha256.Size]byte) *tokenShard {
	return &c.shards[k[0]%tokenCacheShards]
}

func (c *tokenCache) get(k [sha256.Size]byte) (verified, bool) {
	s := c.shard(&k)
	s.mu.RLock()
	v, ok := s.entries[k]
	s.mu.RUnlock()
	return v, ok
}

func (c *tokenCache) put(k [sha256.Size]byte, v verified) {
	s := c.shard(&k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[k]; ok {
		s.entries[k] = v
		return
	}
	if len(s.order) < s.limit {
		s.order = append(s.order, k)
	} else {
		delete(s.entries, s.order[s.next])
		s.order[s.next] = k
		s.next = (s.next + 1) % s.limit
	}
	s.entries[k] = v
}

func (c *tokenCache) remove(k [sha256.Size]byte) {
	s := c.shard(&k)
	s.mu.Lock()
	delete(s.entries, k)
	s.mu.Unlock()
}

// len is the number of cached tokens (for tests).
func (c *tokenCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.entries)
		s.mu.RUnlock()
	}
	return n
}
