package config

import (
	"strings"
	"testing"
)

func TestBlobSettings(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{"DATABASE_URL": "x", "KABINET_UPLOAD_IMAGE_MAX": "2M"}))
	if err != nil || c.Blob.ImageMaxBytes != 2<<20 || c.Blob.URL != "" {
		t.Fatalf("blob settings %+v, %v", c.Blob, err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("development without a blob URL (the default folder): %v", err)
	}
	for name, tc := range map[string]struct {
		vars map[string]string
		want string
	}{
		"production without a URL": {with(productionEnv(), "KABINET_BLOB_URL", ""), "KABINET_BLOB_URL is required"},
		"relative folder":          {map[string]string{"DATABASE_URL": "x", "KABINET_BLOB_URL": "file://data/blobs"}, "absolute"},
		"unknown scheme":           {map[string]string{"DATABASE_URL": "x", "KABINET_BLOB_URL": "ftp://example.org/x"}, "file:// or s3://"},
		"tiny image limit":         {map[string]string{"DATABASE_URL": "x", "KABINET_UPLOAD_IMAGE_MAX": "10"}, "KABINET_UPLOAD_IMAGE_MAX"},
	} {
		c, err := Load(env(tc.vars))
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", name, err, tc.want)
		}
	}
	if _, err := Load(env(map[string]string{"KABINET_UPLOAD_IMAGE_MAX": "five"})); err == nil {
		t.Error("a malformed size was accepted")
	}
}

// with returns a copy of vars with key set to value.
func with(vars map[string]string, key, value string) map[string]string {
	out := map[string]string{key: value}
	for k, v := range vars {
		if k != key {
			out[k] = v
		}
	}
	return out
}
