// Package ogg holds what the Ogg readers and writers of roomcast share:
// the page checksum (RFC 3533 §6).
package ogg

// CRCOffset is where a page header keeps its checksum.
const CRCOffset = 22

// CRC is the checksum of an Ogg page: CRC-32 with polynomial 0x04C11DB7,
// unreflected, initial value 0, computed as if the page's checksum field
// (CRCOffset, 4 bytes) were zero.
func CRC(page []byte) uint32 {
	var crc uint32
	for i, v := range page {
		if i >= CRCOffset && i < CRCOffset+4 {
			v = 0
		}
		crc = crc<<8 ^ crcTable[byte(crc>>24)^v]
	}
	return crc
}

// crcTable is a constant lookup table, built once.
var crcTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04C11DB7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()
