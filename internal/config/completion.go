package config

import (
	"strings"
	"time"
)

// Completion configures completion documents (удостоверения, дипломы,
// сертификаты) and their verifiable credentials.
type Completion struct {
	// CredentialKeyFile is the Ed25519 PKCS#8 PEM key that signs the
	// documents' credentials and status lists: long-lived, published in
	// the JWKS beside the access-token keys. Created when missing.
	CredentialKeyFile string
	// CredentialKey is the same key inline; it wins over the file.
	CredentialKey string
	// VerifyURL is the public verification page a document's QR code
	// points to; {documentId} is replaced.
	VerifyURL string
	// LookupLimit bounds public look-ups by number per client IP.
	LookupLimit Limit
}

func (l *loader) completion(publicURL string) Completion {
	return Completion{
		CredentialKeyFile: l.str("KABINET_CREDENTIAL_KEY_FILE", ""),
		CredentialKey:     l.str("KABINET_CREDENTIAL_KEY", ""),
		VerifyURL:         l.str("KABINET_COMPLETION_VERIFY_URL", strings.TrimRight(publicURL, "/")+"/api/v1/public/completion-documents/{documentId}"),
		LookupLimit:       l.limit("KABINET_LIMIT_DOCUMENT_LOOKUP_IP", Limit{30, time.Minute}),
	}
}

func (c Config) validateCompletion(bad func(format string, a ...any)) {
	if !strings.Contains(c.Completion.VerifyURL, "{documentId}") {
		bad("KABINET_COMPLETION_VERIFY_URL must contain {documentId}")
	}
	if c.Env == EnvProduction && c.Completion.CredentialKey == "" && c.Completion.CredentialKeyFile == "" {
		bad("KABINET_CREDENTIAL_KEY_FILE (or KABINET_CREDENTIAL_KEY) is required in production")
	}
}
