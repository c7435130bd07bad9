package tenants

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// Key is an API key as the bucket holds it and the API lists it. The
// secret itself is handed out once, by CreateKey, and never stored.
type Key struct {
	ID     string `json:"id"`
	Tenant string `json:"tenant"`
	// Prefix is how listings show the key: "rck_<id>".
	Prefix string `json:"prefix"`
	// Hash is the hex SHA-256 of the key's 32 secret bytes. The secret is
	// 256 random bits, so no one can guess it from the hash: a slow,
	// salted password hash (bcrypt, argon2) protects low-entropy
	// passwords and would only cost every request milliseconds here.
	Hash      string     `json:"hash"`
	CreatedAt time.Time  `json:"created_at"`
	LastUsed  *time.Time `json:"last_used,omitempty"`
}

// The presented form of a key: "rck_" + 12 base32 characters of id +
// "_" + 43 base64url characters of secret (32 bytes, no padding). The
// secret may itself contain '_', so the parts are cut by length.
const (
	keyPrefix    = "rck_"
	keyIDLen     = 12
	keySecretLen = 32
	keySecretB64 = 43 // base64.RawURLEncoding.EncodedLen(keySecretLen)
	keyLen       = len(keyPrefix) + keyIDLen + 1 + keySecretB64
)

var (
	keyIDEnc  = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
	keyIDRe   = regexp.MustCompile(`^[a-z2-7]{12}$`)
	secretEnc = base64.RawURLEncoding.Strict()
)

// newKey makes a key of tenant and the secret form handed to its owner.
func newKey(tenant string, now time.Time) (Key, string, error) {
	var raw [8 + keySecretLen]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Key{}, "", fmt.Errorf("new key: %w", err)
	}
	id := keyIDEnc.EncodeToString(raw[:8])[:keyIDLen]
	secret := raw[8:]
	sum := sha256.Sum256(secret)
	k := Key{
		ID: id, Tenant: tenant, Prefix: keyPrefix + id,
		Hash: hex.EncodeToString(sum[:]), CreatedAt: now.UTC(),
	}
	return k, keyPrefix + id + "_" + secretEnc.EncodeToString(secret), nil
}

// splitKey cuts a presented key into its id and secret text, without
// allocating.
func splitKey(presented string) (id, secret string, ok bool) {
	if len(presented) != keyLen || presented[:len(keyPrefix)] != keyPrefix || presented[len(keyPrefix)+keyIDLen] != '_' {
		return "", "", false
	}
	id = presented[len(keyPrefix) : len(keyPrefix)+keyIDLen]
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return "", "", false
		}
	}
	return id, presented[len(keyPrefix)+keyIDLen+1:], true
}

// secretHash is the SHA-256 of a presented secret's bytes; false when
// the text is not strict base64url of keySecretLen bytes. It does not
// allocate: the text is copied to the stack before decoding.
func secretHash(secret string) ([sha256.Size]byte, bool) {
	var text [keySecretB64]byte
	var raw [keySecretLen]byte
	if len(secret) != keySecretB64 {
		return [sha256.Size]byte{}, false
	}
	copy(text[:], secret)
	n, err := secretEnc.Decode(raw[:], text[:])
	if err != nil || n != keySecretLen {
		return [sha256.Size]byte{}, false
	}
	return sha256.Sum256(raw[:]), true
}

// decodeKey decodes a key record under KV key id.
func decodeKey(id string, b []byte) (Key, [sha256.Size]byte, error) {
	var k Key
	var sum [sha256.Size]byte
	if err := json.Unmarshal(b, &k); err != nil {
		return Key{}, sum, fmt.Errorf("key %s: decode: %w", id, err)
	}
	if k.ID != id || ValidID(k.Tenant) != nil {
		return Key{}, sum, fmt.Errorf("key %s: record names key %q of tenant %q", id, k.ID, k.Tenant)
	}
	if len(k.Hash) != hex.EncodedLen(sha256.Size) {
		return Key{}, sum, fmt.Errorf("key %s: bad hash", id)
	}
	if _, err := hex.Decode(sum[:], []byte(k.Hash)); err != nil {
		return Key{}, sum, fmt.Errorf("key %s: bad hash", id)
	}
	return k, sum, nil
}
