package style

import "testing"

// The seeds are the files under testdata/fuzz/FuzzParseColor, which every
// go test run feeds it: colours of every form, good and bad.

func FuzzParseColor(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseColor(s)
		if err != nil {
			return
		}
		if back, err := ParseColor(c.String()); err != nil || back != c {
			t.Fatalf("%q → %v → %q → %v, %v", s, c, c.String(), back, err)
		}
	})
}
