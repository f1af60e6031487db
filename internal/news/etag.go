package news

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// etagOf is a strong entity tag of v's JSON: the answer's bytes decide it,
// so every instance computes the same tag without shared state.
func etagOf(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`, nil
}

// notModified reports whether an If-None-Match header names etag (RFC 9110
// §13.1.2: a list of tags, weak comparison, or "*").
func notModified(ifNoneMatch *string, etag string) bool {
	if ifNoneMatch == nil {
		return false
	}
	for _, t := range strings.Split(*ifNoneMatch, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
