package jointoken

import "testing"

type partCase struct {
	name string
	in   string
	ok   bool
}

// partCases feeds TestDecodePart and the seeds of FuzzDecodePart.
var partCases = []partCase{
	{"empty", "", true},
	{"header", "eyJhbGciOiJIUzI1NiJ9", true},
	{"url-alphabet", "-_-_", true},
	{"two-bytes", "AAE", true},
	{"one-char", "A", false},
	{"padding", "AA==", false},
	{"std-alphabet", "+/+/", false},
	{"newline", "AA\nAA", false},
	{"carriage-return", "AAAA\r", false},
	{"space", "AA AA", false},
	{"unused-bits-set", "AB", false},
	{"non-ascii", "AA\xc3\xa9", false},
	{"nul", "AA\x00A", false},
}

func TestDecodePart(t *testing.T) {
	for _, tc := range partCases {
		b, err := decodePart(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s: decodePart(%q) = %q, %v; want ok=%v", tc.name, tc.in, b, err, tc.ok)
		}
		if err == nil && encodePart(b) != tc.in {
			t.Errorf("%s: %q is not the one encoding of its bytes", tc.name, tc.in)
		}
	}
}

// FuzzDecodePart checks that a part decodes only when it is the one
// encoding of its bytes, and that every encoding decodes.
func FuzzDecodePart(f *testing.F) {
	for _, tc := range partCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := decodePart(s)
		if err == nil && encodePart(b) != s {
			t.Fatalf("decodePart(%q) = %q, which encodes as %q", s, b, encodePart(b))
		}
		if b, err := decodePart(encodePart([]byte(s))); err != nil || string(b) != s {
			t.Fatalf("encodePart(%q) decodes as %q, %v", s, b, err)
		}
	})
}
