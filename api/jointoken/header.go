package jointoken

import (
	"errors"
	"strings"
)

// The one protected header (RFC 7515 §4.1) of a join token is
//
//	{"alg":"HS256","typ":"JWT","kid":"<tenant>"}
//
// with exactly these members in this order. Verify accepts only these
// bytes, so alg "none", "HS512", a "crit" member, a member name in other
// case or a duplicate member all fail, with no JSON parsing at all.
const (
	headerPrefix = `{"alg":"HS256","typ":"JWT","kid":"`
	headerSuffix = `"}`
)

func headerJSON(kid string) []byte {
	return []byte(headerPrefix + kid + headerSuffix)
}

// parseHeader decodes the header part and returns its kid.
func parseHeader(part string) (kid string, err error) {
	b, err := decodePart(part)
	if err != nil {
		return "", err
	}
	s := string(b)
	kid, ok := strings.CutPrefix(s, headerPrefix)
	if ok {
		kid, ok = strings.CutSuffix(kid, headerSuffix)
	}
	if !ok {
		return "", errors.New(`header is not {"alg":"HS256","typ":"JWT","kid":…}`)
	}
	if !validTenant(kid) {
		return "", errors.New("header kid is not a tenant id")
	}
	return kid, nil
}

// validTenant reports whether s can be a tenant id, and so a kid: 1 to
// 128 of [A-Za-z0-9._-], which need no escaping in JSON. (Tenants of
// the configuration are a narrower set.)
func validTenant(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isURLAlphabet(c) && c != '.' {
			return false
		}
	}
	return true
}
