package jointoken

import (
	"encoding/base64"
	"errors"
)

// The parts of a token are base64url without padding (RFC 7515 §2).
var partEncoding = base64.RawURLEncoding.Strict()

func encodePart(b []byte) string { return partEncoding.EncodeToString(b) }

// decodePart decodes one part strictly: only the base64url alphabet, no
// padding, no line breaks (which encoding/base64 would skip), and zero
// unused bits, so each value has exactly one encoding.
func decodePart(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if !isURLAlphabet(s[i]) {
			return nil, errors.New("part is not base64url")
		}
	}
	b, err := partEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("part is not canonical base64url")
	}
	return b, nil
}

func isURLAlphabet(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}
