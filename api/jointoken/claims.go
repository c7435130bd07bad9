// Package jointoken mints and checks the short-lived tokens that let a
// participant join one room of one tenant without holding an API key.
//
// A token is a JSON Web Token (RFC 7519) in JWS compact serialization
// (RFC 7515), signed with HMAC-SHA256 (HS256, RFC 7518 §3.2) under the
// tenant's own secret. The header's "kid" names the tenant, so a verifier
// finds the secret before it reads any claim.
package jointoken

import (
	"errors"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// Issuer is the "iss" of every join token.
const Issuer = "roomcast"

// Limits of the claims, which also keep a token far below MaxTokenLen.
const (
	MaxNameRunes = 64  // a participant's display name, in characters
	maxIDLen     = 128 // tenant and room, in bytes
	maxJTILen    = 64
)

// MinSecretLen is the shortest secret Sign and Verify accept: RFC 7518
// §3.2 asks for an HS256 key at least as long as the hash output.
const MinSecretLen = 32

// ErrInvalidClaims is returned by Sign for claims it will not sign.
var ErrInvalidClaims = errors.New("jointoken: invalid claims")

// ErrShortSecret is returned when a tenant's secret is shorter than
// MinSecretLen: a fault of the server, not of the token.
var ErrShortSecret = fmt.Errorf("jointoken: secret shorter than %d bytes", MinSecretLen)

// Claims is what a join token grants: joining Room of Tenant as Name,
// to publish, to subscribe or both, from IssuedAt until ExpiresAt.
type Claims struct {
	Tenant    string    // "tid"; always equals the header's "kid"
	Room      string    // "room"
	Name      string    // "name": display name, may be empty
	Publish   bool      // "pub": may publish media (WHIP)
	Subscribe bool      // "sub_ok": may receive the room's media
	IssuedAt  time.Time // "iat", NumericDate (whole seconds)
	ExpiresAt time.Time // "exp", NumericDate (whole seconds)
	ID        string    // "jti": random; Sign fills it when empty
	Issuer    string    // "iss": always Issuer; Sign sets it
}

// validate checks what both Sign and Verify require of claims.
func (c Claims) validate() error {
	switch {
	case !validTenant(c.Tenant):
		return errors.New("tenant must be 1 to 128 of [A-Za-z0-9._-]")
	case !validField(c.Room, maxIDLen, false):
		return errors.New("room must be 1 to 128 bytes of printable text")
	case !validName(c.Name):
		return fmt.Errorf("name must be at most %d printable characters", MaxNameRunes)
	case !validField(c.ID, maxJTILen, false):
		return errors.New("jti must be 1 to 64 bytes of printable text")
	case c.IssuedAt.IsZero() || c.ExpiresAt.IsZero():
		return errors.New("issued-at and expiry must be set")
	case c.ExpiresAt.Unix() <= c.IssuedAt.Unix():
		return errors.New("expiry must be after issued-at")
	}
	return nil
}

func validName(name string) bool {
	return validField(name, MaxNameRunes*utf8.UTFMax, true) && utf8.RuneCountInString(name) <= MaxNameRunes
}

// validField reports whether s is valid UTF-8 of printable characters,
// at most maxBytes long, and empty only when emptyOK.
func validField(s string, maxBytes int, emptyOK bool) bool {
	if len(s) > maxBytes || (s == "" && !emptyOK) || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
