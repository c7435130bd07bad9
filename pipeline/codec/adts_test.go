package codec

// adts prefixes an AAC frame with an ADTS header (ISO/IEC 13818-7 6.2)
// built from the AudioSpecificConfig asc.
func adts(asc, frame []byte) []byte {
	objectType := asc[0] >> 3
	freqIndex := (asc[0]&7)<<1 | asc[1]>>7
	chanConfig := (asc[1] >> 3) & 0xf
	n := 7 + len(frame)
	h := []byte{
		0xff, 0xf1, // sync word, MPEG-4, layer 0, no CRC
		(objectType-1)<<6 | freqIndex<<2 | chanConfig>>2,
		(chanConfig&3)<<6 | byte(n>>11),
		byte(n >> 3),
		byte(n&7)<<5 | 0x1f,
		0xfc,
	}
	return append(h, frame...)
}
