package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Errors from ParseAccess; the HTTP layer maps them to distinct 401 codes.
var (
	ErrTokenExpired = errors.New("access token expired")
	ErrTokenInvalid = errors.New("access token invalid")
)

const audience = "kabinet"

// Claims are the claims of a Kabinet access token.
type Claims struct {
	jwt.RegisteredClaims
	// SessionID ties the token to a session, so that signing out or revoking
	// the session also stops its access tokens.
	SessionID uuid.UUID `json:"sid"`
}

// Issuer signs access tokens with an Ed25519 key and verifies them with it
// or with earlier keys still trusted during a key rotation. It remembers the
// tokens it verified (a bounded cache), so that a token's signature is
// checked once rather than on every request; the expiry and the trust of the
// key that signed it are checked on every use.
type Issuer struct {
	key ed25519.PrivateKey
	kid string
	// keys holds every key that verifies tokens, by key id: the signing key
	// and any previous keys added with TrustPrevious. It is replaced, never
	// changed, so that Parse reads it without a lock.
	keys   atomic.Pointer[map[string]*trustedKey]
	keysMu sync.Mutex // serializes replacements of keys
	cache  *tokenCache
	issuer string
	ttl    time.Duration
	parser *jwt.Parser
	clock  atomic.Pointer[func() time.Time] // time.Now unless SetClock changed it
}

// leeway is the clock skew allowed on a token's times.
const leeway = 30 * time.Second

// NewIssuer returns an Issuer that signs with key as issuer (a URL) and makes
// tokens valid for ttl. It caches up to DefaultTokenCacheSize verified
// tokens; SetTokenCacheSize changes that.
func NewIssuer(key ed25519.PrivateKey, issuer string, ttl time.Duration) *Issuer {
	pub := key.Public().(ed25519.PublicKey)
	i := &Issuer{key: key, kid: Thumbprint(pub), issuer: issuer, ttl: ttl, cache: newTokenCache(DefaultTokenCacheSize)}
	i.SetClock(time.Now)
	i.keys.Store(&map[string]*trustedKey{i.kid: {kid: i.kid, pub: pub}})
	i.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(func() time.Time { return i.now() }),
	)
	return i
}

// SetClock makes the Issuer take the time from now (tests move it forward);
// it may be called while tokens are being checked.
func (i *Issuer) SetClock(now func() time.Time) { i.clock.Store(&now) }

func (i *Issuer) now() time.Time { return (*i.clock.Load())() }

// CachedTokens is the number of verified tokens cached now.
func (i *Issuer) CachedTokens() int {
	if i.cache == nil {
		return 0
	}
	return i.cache.len()
}

// SetTokenCacheSize replaces the cache of verified tokens by an empty one of
// at most n tokens; 0 turns caching off. Call it before serving.
func (i *Issuer) SetTokenCacheSize(n int) { i.cache = newTokenCache(n) }

// TTL is how long new access tokens are valid.
func (i *Issuer) TTL() time.Duration { return i.ttl }

// KeyID is the RFC 7638 thumbprint of the signing key, sent as "kid".
func (i *Issuer) KeyID() string { return i.kid }

// PublicKey is the key that verifies the tokens signed now.
func (i *Issuer) PublicKey() ed25519.PublicKey { return (*i.keys.Load())[i.kid].pub }

// TrustPrevious makes tokens signed by earlier keys verify until they
// expire: during a key rotation, every instance signs with the new key and
// still accepts the old one.
func (i *Issuer) TrustPrevious(keys ...ed25519.PublicKey) {
	i.updateKeys(func(m map[string]*trustedKey) {
		for _, k := range keys {
			kid := Thumbprint(k)
			m[kid] = &trustedKey{kid: kid, pub: k}
		}
	})
}

// RetireKey stops trusting a previous key: its tokens are refused from the
// next request on, cached or not. The signing key cannot be retired.
func (i *Issuer) RetireKey(kid string) error {
	if kid == i.kid {
		return errors.New("the signing key cannot be retired")
	}
	i.updateKeys(func(m map[string]*trustedKey) { delete(m, kid) })
	return nil
}

func (i *Issuer) updateKeys(change func(map[string]*trustedKey)) {
	i.keysMu.Lock()
	defer i.keysMu.Unlock()
	m := maps.Clone(*i.keys.Load())
	change(m)
	i.keys.Store(&m)
}

// VerificationKeys are all keys that verify tokens, by key id, the current
// one included; the JWKS document publishes them.
func (i *Issuer) VerificationKeys() map[string]ed25519.PublicKey {
	keys := *i.keys.Load()
	out := make(map[string]ed25519.PublicKey, len(keys))
	for kid, k := range keys {
		out[kid] = k.pub
	}
	return out
}

// Issue signs an access token for userID in sessionID.
func (i *Issuer) Issue(userID, sessionID uuid.UUID) (string, error) {
	now := i.now().UTC()
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    i.issuer,
			Subject:   userID.String(),
			Audience:  jwt.ClaimStrings{audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(i.ttl)),
			ID:        uuid.NewString(),
		},
		SessionID: sessionID,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = i.kid
	return t.SignedString(i.key)
}

// Parse verifies an access token and returns its user and session. A token
// verified before (and still cached) is not verified again, but its expiry
// and the trust of its key are checked again now.
func (i *Issuer) Parse(token string) (userID, sessionID uuid.UUID, err error) {
	var ck [sha256.Size]byte
	if i.cache != nil {
		ck = tokenKey(token)
		if v, ok := i.cache.get(ck); ok {
			if i.now().Before(v.expires.Add(leeway)) && (*i.keys.Load())[v.key.kid] == v.key {
				return v.userID, v.sessionID, nil
			}
			// Expired or its key retired: verify it again for the verdict.
			i.cache.remove(ck)
		}
	}
	var claims Claims
	var key *trustedKey
	_, err = i.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, ok := (*i.keys.Load())[kid]
		if !ok {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		key = k
		return k.pub, nil
	})
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return uuid.Nil, uuid.Nil, ErrTokenExpired
	case err != nil:
		return uuid.Nil, uuid.Nil, ErrTokenInvalid
	}
	userID, err = uuid.Parse(claims.Subject)
	if err != nil || claims.SessionID == uuid.Nil {
		return uuid.Nil, uuid.Nil, ErrTokenInvalid
	}
	if i.cache != nil {
		i.cache.put(ck, verified{userID: userID, sessionID: claims.SessionID, expires: claims.ExpiresAt.Time, key: key})
	}
	return userID, claims.SessionID, nil
}

// Thumbprint is the RFC 7638 JWK thumbprint of an Ed25519 public key.
func Thumbprint(pub ed25519.PublicKey) string {
	canonical := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// GenerateKeyPEM makes a new Ed25519 private key as a PKCS#8 PEM block.
func GenerateKeyPEM() ([]byte, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseKeyPEM reads a PKCS#8 PEM Ed25519 private key.
func ParseKeyPEM(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("no PKCS#8 \"PRIVATE KEY\" PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	ed, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the key is %T, not Ed25519", key)
	}
	return ed, nil
}

// LoadKey returns the signing key from pemText, else from the file at path;
// with neither it generates an ephemeral key and reports ephemeral=true
// (tokens then die with the process, fine only for development).
func LoadKey(pemText, path string) (key ed25519.PrivateKey, ephemeral bool, err error) {
	switch {
	case pemText != "":
		key, err = ParseKeyPEM([]byte(pemText))
	case path != "":
		var data []byte
		if data, err = os.ReadFile(path); err == nil {
			key, err = ParseKeyPEM(data)
		}
	default:
		_, key, err = ed25519.GenerateKey(rand.Reader)
		ephemeral = true
	}
	if err != nil {
		return nil, false, fmt.Errorf("JWT signing key: %w", err)
	}
	return key, ephemeral, nil
}

// NewRefreshToken returns a new opaque refresh token and the SHA-256 hash
// under which it is stored; the token itself is never stored.
func NewRefreshToken() (token string, hash []byte) {
	token = "rt_" + rand.Text() + rand.Text()
	return token, HashRefreshToken(token)
}

// HashRefreshToken is the stored form of a refresh token. A fast hash is
// enough: the token carries 256 bits of randomness, nothing to brute-force.
func HashRefreshToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// ParsePublicKeysPEM reads the Ed25519 public keys ("PUBLIC KEY" PEM blocks,
// as `openssl pkey -in key.pem -pubout` writes them) in data.
func ParsePublicKeysPEM(data []byte) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("unexpected PEM block %q (want PUBLIC KEY)", block.Type)
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		ed, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("a public key is %T, not Ed25519", k)
		}
		keys = append(keys, ed)
	}
	if len(keys) == 0 {
		return nil, errors.New("no PUBLIC KEY PEM block")
	}
	return keys, nil
}
