package api

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/roomcast/roomcast/configs"
)

// SigningKeyFile is where LoadSigningKey keeps a generated key, in the
// data directory.
const SigningKeyFile = "signing.key"

// LoadSigningKey returns the key that signs links to recordings: the
// configured one (api.signing_key) when set, else the one in
// dataDir/signing.key, which the first start generates. Every process
// that starts on dataDir, even at the same moment, gets the same key.
// Errors name the file, never the key.
func LoadSigningKey(configured, dataDir string) ([]byte, error) {
	if configured != "" {
		if len(configured) < configs.MinSigningKeyLength {
			return nil, fmt.Errorf("api.signing_key: must be at least %d characters", configs.MinSigningKeyLength)
		}
		return []byte(configured), nil
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("signing key: data directory: %w", err)
	}
	path := filepath.Join(dataDir, SigningKeyFile)
	key, err := readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createKeyFile(path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	// Whoever won the race, the file now holds the one key.
	return readKeyFile(path)
}

// readKeyFile reads a key file: its text, without surrounding spaces, is
// the key, so its content also works as api.signing_key on other nodes.
func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	key := bytes.TrimSpace(b)
	if len(key) < configs.MinSigningKeyLength {
		return nil, fmt.Errorf("signing key %s: %d characters, want at least %d (remove the file to generate a new key; links signed with the old one stop working)",
			path, len(key), configs.MinSigningKeyLength)
	}
	return key, nil
}

// createKeyFile writes a new random key to path atomically: the whole
// file, synced, appears at path or nothing does. A hard link fails when
// path exists, so of two processes racing, the second gets fs.ErrExist
// and the first one's key stays.
func createKeyFile(path string) error {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+SigningKeyFile+"-*") // mode 0600
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(secret) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("signing key: write %s: %w", tmp.Name(), err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("signing key: create %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// syncDir makes a new directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("signing key: sync %s: %w", dir, err)
	}
	return nil
}
