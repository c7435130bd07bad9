package configs

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/roomcast/roomcast/configs/keyfile"
	"github.com/roomcast/roomcast/jobs/seal"
)

// SecretKeyFile is where LoadKeyring keeps a generated keyring, in the
// data directory.
const SecretKeyFile = "secret.key"

// ErrNoSecretKey is LoadKeyring's error when no keyring is configured
// and the data directory holds none, for a process that must not make
// one up (a `roomcast worker`: it could not open the records that the
// serve nodes sealed).
var ErrNoSecretKey = errors.New("no secret key")

// secretKeyHint says what secret_key looks like, in errors.
const secretKeyHint = "want id:base64key[,id:base64key…], each key 32 random bytes, the first sealing and all opening, e.g. k1:$(openssl rand -base64 32)"

func (c *Config) validateSecretKey() error {
	if c.SecretKey == "" {
		return nil
	}
	if _, err := seal.ParseKeys(c.SecretKey); err != nil {
		// seal's errors name a key by position and id, never its bytes.
		return &FieldError{"secret_key", err.Error() + "; " + secretKeyHint}
	}
	return nil
}

// LoadKeyring returns the keyring that seals secrets at rest: the
// configured one (secret_key, env ROOMCAST_SECRET_KEY) when set, else
// the one in dataDir/secret.key. When that file does not exist, create
// generates a key into it (mode 0600, atomically: every process
// starting on dataDir, even at the same moment, gets the same key), as
// `serve` does; without create the answer is ErrNoSecretKey, with what
// to set. Errors never show a key.
func LoadKeyring(configured, dataDir string, create bool) (*seal.Keyring, error) {
	if configured != "" {
		ring, err := seal.ParseKeys(configured)
		if err != nil {
			return nil, fmt.Errorf("secret_key: %w; %s", err, secretKeyHint)
		}
		return ring, nil
	}
	path := filepath.Join(dataDir, SecretKeyFile)
	var generate func() (string, error)
	if create {
		generate = func() (string, error) { return seal.GenerateKey("") }
	}
	text, err := keyfile.Load(path, "secret key", generate)
	if errors.Is(err, fs.ErrNotExist) && !create {
		return nil, fmt.Errorf("%w: set secret_key (env ROOMCAST_SECRET_KEY) to the same value as the serve nodes "+
			"(the content of their %s when they generated one): the job records on NATS are sealed with it, "+
			"and a process without it cannot open them", ErrNoSecretKey, SecretKeyFile)
	}
	if err != nil {
		return nil, err
	}
	ring, err := seal.ParseKeys(text)
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w (restore the file, or set secret_key: what it sealed opens with its key only)", path, err)
	}
	return ring, nil
}
