package ogg

import "testing"

func TestCRCIgnoresChecksumField(t *testing.T) {
	page := []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xAA\xBB\xCC\xDD\x01\x03abc")
	a := CRC(page)
	clear(page[CRCOffset : CRCOffset+4])
	if b := CRC(page); a != b || a == 0 {
		t.Fatalf("CRC %08x with the field set, %08x with it zero", a, b)
	}
	// CRC-32/MPEG-2 without final inversion and with init 0 ("CRC-32/
	// BZIP2" unreflected, no xorout) of "123456789" is 0x89A1897F.
	if got := CRC([]byte("123456789")); got != 0x89A1897F {
		t.Errorf("CRC(123456789) = %08x, want 89a1897f", got)
	}
}
