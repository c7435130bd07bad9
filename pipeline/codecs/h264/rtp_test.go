package h264

import (
	"errors"
	"testing"
)

func TestEachSTAPA(t *testing.T) {
	sps, idr := []byte{0x67, 1, 2}, []byte{0x65, 9}
	good := append(append([]byte{0, 3}, sps...), append([]byte{0, 2}, idr...)...)
	var got []NALUType
	if err := EachSTAPA(good, func(n []byte) error { got = append(got, Type(n)); return nil }); err != nil || len(got) != 2 || got[0] != NALUTypeSPS || got[1] != NALUTypeIDR {
		t.Fatalf("EachSTAPA = %v, %v", got, err)
	}
	stop := errors.New("stop")
	if err := EachSTAPA(good, func([]byte) error { return stop }); err != stop {
		t.Errorf("fn's error: %v", err)
	}
	for name, b := range map[string][]byte{
		"empty":          nil,
		"truncated size": {0},
		"zero size":      {0, 0, 0x67},
		"overlong":       {0, 9, 0x67},
		"forbidden bit":  {0, 1, 0xe7},
		"nested STAP-A":  {0, 1, 0x78},
	} {
		if err := EachSTAPA(b, func([]byte) error { return nil }); !errors.Is(err, ErrBadRTPPayload) {
			t.Errorf("%s: %v, want ErrBadRTPPayload", name, err)
		}
	}
}

func TestFUStart(t *testing.T) {
	if typ, ok := FUStart([]byte{0x7c, 0x85}); !ok || typ != NALUTypeIDR {
		t.Errorf("start of an IDR: %v %v", typ, ok)
	}
	if _, ok := FUStart([]byte{0x7c, 0x05}); ok {
		t.Error("a middle fragment reported as a start")
	}
	if _, ok := FUStart([]byte{0x7c}); ok {
		t.Error("a payload without FU header reported as a start")
	}
}

// FuzzEachSTAPA: never panics, and every unit it hands out lies inside
// the payload and is a single NAL unit.
func FuzzEachSTAPA(f *testing.F) {
	f.Add([]byte{0, 3, 0x67, 1, 2, 0, 2, 0x65, 9})
	f.Add([]byte{0, 9, 0x67})
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = EachSTAPA(b, func(n []byte) error {
			if len(n) == 0 || len(n) > len(b) || Type(n) > maxSingleType {
				t.Fatalf("unit %x from %x", n, b)
			}
			return nil
		})
	})
}
