package seal

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// ParseKeys reads a keyring from a config or environment value:
// comma-separated keys, the active one first, each "id:base64key" or a
// bare base64 key whose id is derived (DeriveID). Keys are 32 bytes in
// standard or URL-safe base64, padded or not:
//
//	k2:3q2+7w...=,k1:AAEC...
//
// Errors name the key by position and id, never by its bytes.
func ParseKeys(s string) (*Keyring, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("keyring: %w", ErrNoKeys)
	}
	parts := strings.Split(s, ",")
	keys := make([]Key, 0, len(parts))
	for i, part := range parts {
		k, err := parseKey(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("keyring: key #%d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return NewKeyring(keys...)
}

func parseKey(s string) (Key, error) {
	if s == "" {
		return Key{}, fmt.Errorf("%w: empty entry", ErrKeyEncoding)
	}
	id, enc, hasID := strings.Cut(s, ":")
	if !hasID {
		id, enc = "", s
	} else if !idRe.MatchString(id) {
		return Key{}, fmt.Errorf("%w (want 1 to 32 of A-Z a-z 0-9 _ -)", ErrKeyID)
	}
	secret, err := decodeKey(enc)
	if err != nil {
		return Key{}, fmt.Errorf("id %q: %w", id, err)
	}
	return Key{ID: id, Secret: secret}, nil
}

// decodeKey accepts the base64 alphabets an operator is likely to paste.
func decodeKey(enc string) ([]byte, error) {
	raw := strings.TrimRight(enc, "=")
	dec := base64.RawStdEncoding
	if strings.ContainsAny(raw, "-_") {
		dec = base64.RawURLEncoding
	}
	b, err := dec.DecodeString(raw)
	if err != nil {
		return nil, ErrKeyEncoding
	}
	return b, nil
}

// GenerateKey returns a new random key in the form ParseKeys reads,
// "id:base64key", for operators setting up or rotating a keyring.
func GenerateKey(id string) (string, error) {
	secret := make([]byte, KeySize)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	if id == "" {
		id = DeriveID(secret)
	}
	if !idRe.MatchString(id) {
		return "", fmt.Errorf("generate key: %w: %q", ErrKeyID, id)
	}
	return id + ":" + base64.StdEncoding.EncodeToString(secret), nil
}
