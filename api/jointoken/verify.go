package jointoken

import (
	"crypto/hmac"
	"fmt"
	"strings"
	"time"
)

// MaxTokenLen is the longest token Verify reads. The longest claims Sign
// takes make a token of about 1.2 KiB.
const MaxTokenLen = 4096

// Leeway is the clock skew Verify tolerates between the node that signed
// a token and the one that checks it: a token still passes for Leeway
// after its expiry, and may be issued up to Leeway in the future.
const Leeway = 5 * time.Second

// Verify checks a token for room at time now and returns its claims.
// lookup returns the secret of a tenant, or false for a tenant that does
// not exist (or no longer does). The signature is checked, in constant
// time, before any claim is decoded. A refusal wraps one of the Error
// values (see Reason); ErrShortSecret marks a server fault.
func Verify(token string, lookup func(tenant string) ([]byte, bool), room string, now time.Time) (Claims, error) {
	parts, err := split(token)
	if err != nil {
		return Claims{}, refuse(ErrMalformed, err.Error())
	}
	kid, err := parseHeader(parts[0])
	if err != nil {
		return Claims{}, refuse(ErrMalformed, err.Error())
	}
	secret, ok := lookup(kid)
	if !ok {
		return Claims{}, refuse(ErrUnknownTenant, "no secret for the token's tenant")
	}
	if len(secret) < MinSecretLen {
		return Claims{}, ErrShortSecret
	}
	if err := checkSignature(secret, parts); err != nil {
		return Claims{}, err
	}
	c, err := parseClaims(parts[1])
	if err != nil {
		return Claims{}, refuse(ErrMalformed, err.Error())
	}
	if err := checkGrant(c, kid, room, now); err != nil {
		return Claims{}, err
	}
	return c, nil
}

// split returns the three parts of a JWS compact serialization.
func split(token string) ([3]string, error) {
	var parts [3]string
	if len(token) > MaxTokenLen {
		return parts, fmt.Errorf("longer than %d bytes", MaxTokenLen)
	}
	var ok bool
	parts[0], token, ok = strings.Cut(token, ".")
	if ok {
		parts[1], parts[2], ok = strings.Cut(token, ".")
	}
	if !ok || strings.Contains(parts[2], ".") {
		return parts, fmt.Errorf("not three dot-separated parts")
	}
	if parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return parts, fmt.Errorf("empty part")
	}
	return parts, nil
}

func checkSignature(secret []byte, parts [3]string) error {
	sig, err := decodePart(parts[2])
	if err != nil {
		return refuse(ErrMalformed, "signature: "+err.Error())
	}
	if !hmac.Equal(sig, mac(secret, parts[0]+"."+parts[1])) {
		return refuse(ErrSignature, "HMAC does not match")
	}
	return nil
}

// checkGrant checks what a validly signed token grants.
func checkGrant(c Claims, kid, room string, now time.Time) error {
	switch {
	case c.Tenant != kid:
		return refuse(ErrMalformed, "tid differs from header kid")
	case !now.Before(c.ExpiresAt.Add(Leeway)):
		return refuse(ErrExpired, "expired at "+c.ExpiresAt.Format(time.RFC3339))
	case c.IssuedAt.After(now.Add(Leeway)):
		return refuse(ErrNotYetValid, "issued at "+c.IssuedAt.Format(time.RFC3339))
	case c.Room != room:
		return refuse(ErrWrongRoom, "token is for another room")
	}
	return nil
}

func refuse(reason Error, detail string) error {
	return fmt.Errorf("jointoken: %w: %s", reason, detail)
}
