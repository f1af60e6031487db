package credential

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MinStatusListBits is the smallest status list (16 KB), the size the W3C
// Bitstring Status List recommends so one list hides among many entries.
const MinStatusListBits = 131072

// StatusEntry is a credential's place in a revocation status list (W3C
// Bitstring Status List v1.0, BitstringStatusListEntry).
type StatusEntry struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"`
	StatusListCredential string `json:"statusListCredential"`
}

// NewStatusEntry places a credential at index of the list published at
// listURL.
func NewStatusEntry(listURL string, index int) StatusEntry {
	i := strconv.Itoa(index)
	return StatusEntry{
		ID: listURL + "#" + i, Type: "BitstringStatusListEntry", StatusPurpose: "revocation",
		StatusListIndex: i, StatusListCredential: listURL,
	}
}

// Index is the entry's position in its list.
func (e StatusEntry) Index() (int, error) {
	i, err := strconv.Atoi(e.StatusListIndex)
	if err != nil || i < 0 {
		return 0, fmt.Errorf("%w: status list index %q", ErrInvalid, e.StatusListIndex)
	}
	return i, nil
}

// StatusList is a bitstring: bit i set means the credential at index i is
// revoked. Bit 0 is the most significant bit of the first byte.
type StatusList []byte

// NewStatusList makes a list of at least bits bits (and at least
// MinStatusListBits) with the revoked indexes set.
func NewStatusList(bits int, revoked ...int) (StatusList, error) {
	bits = max(bits, MinStatusListBits)
	l := make(StatusList, (bits+7)/8)
	for _, i := range revoked {
		if i < 0 || i >= bits {
			return nil, fmt.Errorf("credential: index %d outside a list of %d", i, bits)
		}
		l[i/8] |= 0x80 >> (i % 8)
	}
	return l, nil
}

// Revoked reads bit i.
func (l StatusList) Revoked(i int) (bool, error) {
	if i < 0 || i >= len(l)*8 {
		return false, fmt.Errorf("%w: index %d outside a list of %d", ErrInvalid, i, len(l)*8)
	}
	return l[i/8]&(0x80>>(i%8)) != 0, nil
}

// Encode is the list's encodedList: the GZIP of the bits, base64url without
// padding, with the multibase prefix "u".
func (l StatusList) Encode() string {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(l) // writes to memory do not fail
	_ = zw.Close()
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

// maxStatusListBytes bounds a decoded list against gzip bombs (16 Mbit).
const maxStatusListBytes = 2 << 20

// DecodeStatusList reads an encodedList.
func DecodeStatusList(encoded string) (StatusList, error) {
	if len(encoded) < 2 || encoded[0] != 'u' {
		return nil, fmt.Errorf("%w: encodedList is not multibase base64url", ErrInvalid)
	}
	z, err := base64.RawURLEncoding.DecodeString(encoded[1:])
	if err != nil {
		return nil, fmt.Errorf("%w: encodedList: %v", ErrInvalid, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("%w: encodedList: %v", ErrInvalid, err)
	}
	bits, err := io.ReadAll(io.LimitReader(zr, maxStatusListBytes+1))
	if err != nil || len(bits) > maxStatusListBytes {
		return nil, fmt.Errorf("%w: encodedList too large or corrupt", ErrInvalid)
	}
	return bits, nil
}

// StatusListCredential is the published list (BitstringStatusListCredential).
type StatusListCredential struct {
	Context           []string          `json:"@context"`
	ID                string            `json:"id"`
	Type              []string          `json:"type"`
	Issuer            string            `json:"issuer"`
	ValidFrom         time.Time         `json:"validFrom"`
	CredentialSubject StatusListSubject `json:"credentialSubject"`
}

// StatusListSubject carries the bits.
type StatusListSubject struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"`
	EncodedList   string `json:"encodedList"`
}

// NewStatusListCredential wraps a list published at listURL by issuerID.
func NewStatusListCredential(listURL, issuerID string, l StatusList, at time.Time) StatusListCredential {
	return StatusListCredential{
		Context: []string{ContextVC}, ID: listURL,
		Type:   []string{"VerifiableCredential", "BitstringStatusListCredential"},
		Issuer: issuerID, ValidFrom: at.UTC().Truncate(time.Second),
		CredentialSubject: StatusListSubject{ID: listURL + "#list", Type: "BitstringStatusList", StatusPurpose: "revocation", EncodedList: l.Encode()},
	}
}

// VerifyStatusList checks a signed status list (as Verify does a
// credential) and returns its bits.
func VerifyStatusList(token string, keys KeySet, now time.Time) (StatusListCredential, StatusList, error) {
	var claims jwt.MapClaims
	p := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}), jwt.WithLeeway(time.Minute),
		jwt.WithTimeFunc(func() time.Time { return now }))
	_, err := p.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if key, ok := keys[kid]; ok {
			return key, nil
		}
		return nil, ErrUnknownKey
	})
	if errors.Is(err, ErrUnknownKey) {
		return StatusListCredential{}, nil, ErrUnknownKey
	}
	if err != nil {
		return StatusListCredential{}, nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	raw, _ := json.Marshal(claims)
	var c StatusListCredential
	if err := json.Unmarshal(raw, &c); err != nil || !slices.Contains(c.Type, "BitstringStatusListCredential") {
		return StatusListCredential{}, nil, fmt.Errorf("%w: not a status list credential", ErrInvalid)
	}
	if iss, _ := claims["iss"].(string); iss != c.Issuer {
		return StatusListCredential{}, nil, fmt.Errorf("%w: the JWT claims disagree with the list", ErrInvalid)
	}
	l, err := DecodeStatusList(c.CredentialSubject.EncodedList)
	return c, l, err
}

// Revoked checks a verified credential against its verified status list:
// the list must be the one the credential names and come from its issuer.
// A credential without a status entry is never revoked this way.
func Revoked(c Credential, list StatusListCredential, bits StatusList) (bool, error) {
	e := c.CredentialStatus
	if e == nil {
		return false, nil
	}
	if e.StatusListCredential != list.ID || list.Issuer != c.Issuer.ID {
		return false, fmt.Errorf("%w: the status list is not the credential's", ErrInvalid)
	}
	i, err := e.Index()
	if err != nil {
		return false, err
	}
	return bits.Revoked(i)
}
