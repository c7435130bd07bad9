package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

// idRe is what a key id may look like: it is written into every sealed
// value, so it must not contain the separators ':' and ','.
var idRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Key is one key of a Keyring.
type Key struct {
	// ID names the key in the values it seals; empty derives one from
	// the key (DeriveID).
	ID     string
	Secret []byte // KeySize bytes
}

// Keyring holds the keys that seal and open values. It is safe for
// concurrent use and never changes after it is made.
type Keyring struct {
	active string
	ids    []string
	aeads  map[string]cipher.AEAD
}

// NewKeyring makes a keyring of keys; the first seals.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("keyring: %w", ErrNoKeys)
	}
	r := &Keyring{aeads: make(map[string]cipher.AEAD, len(keys))}
	for i, k := range keys {
		if err := r.add(k); err != nil {
			return nil, fmt.Errorf("keyring: key #%d: %w", i+1, err)
		}
	}
	r.active = r.ids[0]
	return r, nil
}

func (r *Keyring) add(k Key) error {
	if len(k.Secret) != KeySize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrKeySize, len(k.Secret), KeySize)
	}
	id := k.ID
	if id == "" {
		id = DeriveID(k.Secret)
	}
	if !idRe.MatchString(id) {
		return fmt.Errorf("%w: %q (want 1 to 32 of A-Z a-z 0-9 _ -)", ErrKeyID, id)
	}
	if _, dup := r.aeads[id]; dup {
		return fmt.Errorf("%w: %q", ErrDuplicateID, id)
	}
	block, err := aes.NewCipher(k.Secret)
	if err != nil {
		return fmt.Errorf("aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("gcm: %w", err)
	}
	r.aeads[id] = aead
	r.ids = append(r.ids, id)
	return nil
}

// DeriveID names a key that came without an id: the first 8 hex digits
// of its SHA-256, which identify the key without revealing it.
func DeriveID(secret []byte) string {
	sum := sha256.Sum256(secret)
	return hex.EncodeToString(sum[:4])
}

// ActiveID is the id of the key that seals.
func (r *Keyring) ActiveID() string { return r.active }

// IDs lists the key ids, the active one first.
func (r *Keyring) IDs() []string { return append([]string(nil), r.ids...) }
