package room

import "crypto/rand"

// ID prefixes tell what an id names.
const (
	participantPrefix = "PA_"
	trackPrefix       = "TR_"
	subscriberPrefix  = "SU_"
)

// newID returns a random, URL-safe id: the prefix and 26 base32 characters
// (128 bits of randomness).
func newID(prefix string) string {
	return prefix + rand.Text()
}
