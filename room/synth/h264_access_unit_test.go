package synth

import (
	"bytes"
	"testing"
)

var (
	testSPS     = []byte{0x67, 0x42, 0xc0, 0x1f}
	testPPS     = []byte{0x68, 0xce, 0x3c, 0x80}
	testSEI     = []byte{0x06, 0x05, 0x01}
	testAUD     = []byte{0x09, 0xf0}
	idrFirst    = []byte{0x65, 0x88, 0x01} // first_mb_in_slice = 0
	idrSecond   = []byte{0x65, 0x08, 0x02} // a later slice of the same picture
	sliceFirst  = []byte{0x41, 0x9a, 0x03}
	sliceSecond = []byte{0x41, 0x00, 0x04}
)

func annexB(nals ...[]byte) []byte {
	var out []byte
	for _, n := range nals {
		out = append(append(out, 0, 0, 0, 1), n...)
	}
	return out
}

func TestH264Clip(t *testing.T) {
	nals := [][]byte{
		testSPS, testPPS, testSEI, idrFirst, idrSecond, // AU 0: key, has its parameter sets
		sliceFirst, sliceSecond, // AU 1: two slices
		testAUD, sliceFirst, // AU 2: the AUD opens it
		testSEI, sliceFirst, // AU 3: the SEI opens it
		idrFirst, idrSecond, // AU 4: key, needs SPS and PPS in front
		testPPS, idrFirst, // AU 5: key with only a PPS
		testSEI, // trailing non-VCL: dropped
	}
	want := []struct {
		data []byte
		key  bool
	}{
		{annexB(testSPS, testPPS, testSEI, idrFirst, idrSecond), true},
		{annexB(sliceFirst, sliceSecond), false},
		{annexB(testAUD, sliceFirst), false},
		{annexB(testSEI, sliceFirst), false},
		{annexB(testSPS, testPPS, idrFirst, idrSecond), true},
		{annexB(testSPS, testPPS, idrFirst), true},
	}
	c, err := h264Clip(nals)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.frames) != len(want) {
		t.Fatalf("%d access units, want %d", len(c.frames), len(want))
	}
	for i, w := range want {
		if !bytes.Equal(c.frames[i], w.data) || c.keys[i] != w.key {
			t.Errorf("AU %d = % x key %v, want % x key %v", i, c.frames[i], c.keys[i], w.data, w.key)
		}
	}
}

func TestH264ClipWithoutParameterSets(t *testing.T) {
	if _, err := h264Clip([][]byte{idrFirst, sliceFirst}); err == nil {
		t.Fatal("a stream without SPS/PPS was accepted")
	}
}
