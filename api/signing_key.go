package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/configs/keyfile"
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
	path := filepath.Join(dataDir, SigningKeyFile)
	key, err := keyfile.Load(path, "signing key", newSigningKey)
	if err != nil {
		return nil, err
	}
	if len(key) < configs.MinSigningKeyLength {
		return nil, fmt.Errorf("signing key %s: %d characters, want at least %d (remove the file to generate a new key; links signed with the old one stop working)",
			path, len(key), configs.MinSigningKeyLength)
	}
	return []byte(key), nil
}

// newSigningKey is 32 random bytes in hex.
func newSigningKey() (string, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", err
	}
	return hex.EncodeToString(secret), nil
}
