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

// NewJobID returns a new egress job id ("EG_…").
func NewJobID() string { return newID("EG_") }
