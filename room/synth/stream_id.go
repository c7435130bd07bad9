package synth

import "strings"

// maxMSIDLen is the longest msid-id (RFC 8830 section 2).
const maxMSIDLen = 64

// streamID turns the participant name into the stream id of the tracks.
// The id travels in the SDP msid attribute, whose ids are 1..64 token-char
// (RFC 4566 section 9), so other characters become '_': a name with a
// space would otherwise yield an msid the answerer drops.
func streamID(name string) string {
	var b strings.Builder
	for _, r := range name {
		if b.Len() == maxMSIDLen {
			break
		}
		if isTokenChar(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// isTokenChar is RFC 4566's token-char: visible ASCII except the
// separators " ( ) , / : ; < = > ? @ [ \ ] { }.
func isTokenChar(r rune) bool {
	return r > ' ' && r < 0x7f && !strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r)
}
