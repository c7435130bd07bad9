package h264

// Unescape returns the RBSP of a NAL unit payload: b without its emulation
// prevention bytes (00 00 03 becomes 00 00, ITU-T H.264 section 7.4.1), in
// a new buffer.
func Unescape(b []byte) []byte {
	out := make([]byte, 0, len(b))
	zeros := 0
	for _, c := range b {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, c)
	}
	return out
}
