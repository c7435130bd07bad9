package seal

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// prefix starts every sealed value; v1 is AES-256-GCM with a 12-byte
// random nonce and a 16-byte tag.
const prefix = "sealed:v1:"

var b64 = base64.RawURLEncoding.Strict()

// IsSealed reports whether s looks like a sealed value (it may still
// fail to open).
func IsSealed(s string) bool { return strings.HasPrefix(s, prefix) }

// Seal encrypts plaintext with the active key, bound to aad.
func (r *Keyring) Seal(plaintext, aad string) (string, error) {
	aead := r.aeads[r.active]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: nonce: %w", err)
	}
	box := aead.Seal(nonce, nonce, []byte(plaintext), []byte(aad))
	return prefix + r.active + ":" + b64.EncodeToString(box), nil
}

// Open decrypts a sealed value with the key it names, checking aad.
func (r *Keyring) Open(s, aad string) (string, error) {
	id, box, err := split(s)
	if err != nil {
		return "", err
	}
	aead, ok := r.aeads[id]
	if !ok {
		return "", fmt.Errorf("open: %w: key id %q", ErrUnknownKey, id)
	}
	if len(box) < aead.NonceSize()+aead.Overhead() {
		return "", fmt.Errorf("open: %w: too short", ErrMalformed)
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, box[:n], box[n:], []byte(aad))
	if err != nil {
		return "", fmt.Errorf("open: %w (key id %q)", ErrTampered, id)
	}
	return string(plain), nil
}

// KeyID names the key that sealed s, without opening it.
func KeyID(s string) (string, error) {
	id, _, err := split(s)
	return id, err
}

// split parses the text form into the key id and the sealed box.
func split(s string) (string, []byte, error) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", nil, fmt.Errorf("open: %w: no %q prefix", ErrMalformed, prefix)
	}
	id, enc, ok := strings.Cut(rest, ":")
	if !ok || !idRe.MatchString(id) {
		return "", nil, fmt.Errorf("open: %w: bad key id", ErrMalformed)
	}
	box, err := b64.DecodeString(enc)
	if err != nil {
		return "", nil, fmt.Errorf("open: %w: bad base64", ErrMalformed)
	}
	return id, box, nil
}
