package rawrec

import (
	"fmt"
	"strings"
)

// maxNameLen bounds one sanitised path element.
const maxNameLen = 64

// sanitize maps s to a safe single path element of [A-Za-z0-9_.-]: other
// bytes become '_', ".." never appears, it never starts with '.', and it
// is never empty.
func sanitize(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < maxNameLen; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
			b.WriteByte(c)
		case c == '.' && b.Len() > 0 && !strings.HasSuffix(b.String(), "."):
			b.WriteByte(c)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// participantName is the folder of a track's parts.
func participantName(name, id string) string {
	if name == "" {
		name = id
	}
	return sanitize(name)
}

// objectName is "{participant}/{track}-{part:04d}.{ext}".
func objectName(participant, track string, part int, ext string) string {
	return fmt.Sprintf("%s/%s-%04d.%s", participant, track, part, ext)
}
