package completion

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/credential"
)

// LoadSigner returns the signer of credentials and status lists: the key of
// KABINET_CREDENTIAL_KEY, else of KABINET_CREDENTIAL_KEY_FILE — created
// there on first use when the file does not exist, so every process of a
// deployment that shares the file signs with the same key — else the
// public development key (development true; config.Validate requires a
// key in production), which every process derives alike, so `kabinet
// serve` and `kabinet worker` agree without any setting.
func LoadSigner(c config.Completion) (s *credential.Signer, development bool, err error) {
	switch {
	case c.CredentialKey != "":
		key, err := auth.ParseKeyPEM([]byte(c.CredentialKey))
		if err != nil {
			return nil, false, fmt.Errorf("KABINET_CREDENTIAL_KEY: %w", err)
		}
		return credential.NewSigner(key), false, nil
	case c.CredentialKeyFile != "":
		key, err := loadOrCreateKey(c.CredentialKeyFile)
		if err != nil {
			return nil, false, fmt.Errorf("KABINET_CREDENTIAL_KEY_FILE: %w", err)
		}
		return credential.NewSigner(key), false, nil
	}
	seed := sha256.Sum256([]byte(devKeySeed))
	return credential.NewSigner(ed25519.NewKeyFromSeed(seed[:])), true, nil
}

// devKeySeed derives the development credential key. It is public (it is
// in the source): credentials it signs prove nothing.
const devKeySeed = "kabinet development credential key; not secret"

// loadOrCreateKey reads the PEM key at path or, when there is none, writes
// a new one there. The new key is written to a temporary file and linked
// into place, which fails when another process got there first: then its
// key is read, so two processes starting at once agree.
func loadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKey(path); err != nil {
			return nil, err
		}
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	return auth.ParseKeyPEM(data)
}

func createKey(path string) error {
	pemBytes, err := auth.GenerateKeyPEM()
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".credential-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(pemBytes); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}
