package egress

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

// newID returns a random URL-safe id with a prefix, e.g. "EG_…".
func newID(prefix string) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return prefix + strings.TrimRight(base32.StdEncoding.EncodeToString(b), "=")
}
