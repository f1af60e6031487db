package news

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// FAQ entries are listed in two orders, each with its own keyset: reading
// order (category position, entry position, id) and search rank (rank,
// id). A cursor says which it belongs to, so one is never taken for the other.

type orderKey struct {
	categoryPosition, position int32
	id                         uuid.UUID
}

type rankKey struct {
	rank float32
	id   uuid.UUID
}

var errCursor = errors.New("not a cursor of this list")

func encodeOrderKey(k orderKey) string {
	return encode("o", strconv.Itoa(int(k.categoryPosition)), strconv.Itoa(int(k.position)), k.id.String())
}

func encodeRankKey(k rankKey) string {
	return encode("r", strconv.FormatFloat(float64(k.rank), 'g', -1, 32), k.id.String())
}

func encode(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "|")))
}

func decode(c, kind string, n int) ([]string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, errCursor
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != n+1 || parts[0] != kind {
		return nil, errCursor
	}
	return parts[1:], nil
}

func decodeOrderKey(c string) (orderKey, error) {
	p, err := decode(c, "o", 3)
	if err != nil {
		return orderKey{}, err
	}
	cp, err1 := strconv.ParseInt(p[0], 10, 32)
	pos, err2 := strconv.ParseInt(p[1], 10, 32)
	id, err3 := uuid.Parse(p[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return orderKey{}, errCursor
	}
	return orderKey{int32(cp), int32(pos), id}, nil
}

func decodeRankKey(c string) (rankKey, error) {
	p, err := decode(c, "r", 2)
	if err != nil {
		return rankKey{}, err
	}
	r, err1 := strconv.ParseFloat(p[0], 32)
	id, err2 := uuid.Parse(p[1])
	if err1 != nil || err2 != nil {
		return rankKey{}, errCursor
	}
	return rankKey{float32(r), id}, nil
}
