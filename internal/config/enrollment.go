package config

// Blob is the file storage (program covers, applicants' documents).
type Blob struct {
	// URL opens the bucket (gocloud.dev/blob): file:///abs/dir?create_dir=true,
	// s3://bucket?region=…&endpoint=…, or mem:// in tests. Empty: a local
	// folder, .data/blobs under the working directory.
	URL string
	// MaxUploadBytes is the largest file one upload may store (413 above).
	MaxUploadBytes int64
}

// Enrollment configures applications to groups.
type Enrollment struct {
	// PDPolicyVersion is the version of the personal-data processing policy
	// an applicant consents to when submitting; it is recorded with the time.
	PDPolicyVersion string
}

func (l *loader) blob() Blob {
	return Blob{
		URL:            l.str("KABINET_BLOB_URL", ""),
		MaxUploadBytes: int64(l.int("KABINET_BLOB_MAX_UPLOAD_BYTES", 20<<20)),
	}
}

func (l *loader) enrollment() Enrollment {
	return Enrollment{PDPolicyVersion: l.str("KABINET_PD_POLICY_VERSION", "2026-01")}
}

func (c Config) validateEnrollment(bad func(format string, a ...any)) {
	if c.Blob.MaxUploadBytes < 1024 {
		bad("KABINET_BLOB_MAX_UPLOAD_BYTES must be at least 1024")
	}
	if n := len(c.Enrollment.PDPolicyVersion); n < 1 || n > 50 {
		bad("KABINET_PD_POLICY_VERSION must be 1 to 50 characters")
	}
}
