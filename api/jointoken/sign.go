package jointoken

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
)

// Sign returns the token of c signed with the tenant's secret. It sets
// c.Issuer and, when c.ID is empty, a random c.ID; times are rounded
// down to whole seconds. The caller bounds the lifetime; Sign only
// requires ExpiresAt after IssuedAt.
func Sign(secret []byte, c Claims) (string, error) {
	if len(secret) < MinSecretLen {
		return "", ErrShortSecret
	}
	c.Issuer = Issuer
	if c.ID == "" {
		c.ID = newID()
	}
	if err := c.validate(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidClaims, err)
	}
	p, err := json.Marshal(toWire(c))
	if err != nil {
		return "", fmt.Errorf("jointoken: claims: %w", err)
	}
	input := encodePart(headerJSON(c.Tenant)) + "." + encodePart(p)
	return input + "." + encodePart(mac(secret, input)), nil
}

// mac is the HS256 signature of a token's signing input: its encoded
// header and payload joined by a dot (RFC 7515 §5.1).
func mac(secret []byte, input string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return m.Sum(nil)
}

// newID returns 128 random bits, base64url: a token's unique "jti".
func newID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return encodePart(b)
}
