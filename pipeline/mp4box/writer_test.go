package mp4box

import (
	"bytes"
	"testing"
)

func TestNestedBoxSizes(t *testing.T) {
	w := &Writer{}
	outer := w.Start("moov")
	inner := w.StartFull("mvhd", 1, 0x000003)
	w.Versioned(true, 7)
	w.End(inner)
	w.Hdlr(true)
	w.End(outer)
	want := []byte{0, 0, 0, 0, 'm', 'o', 'o', 'v', 0, 0, 0, 20, 'm', 'v', 'h', 'd', 1, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 7}
	want[3] = byte(len(w.B))
	if !bytes.Equal(w.B[:len(want)], want) {
		t.Fatalf("boxes % x, want prefix % x", w.B[:len(want)], want)
	}
	if hdlr := w.B[len(want):]; string(hdlr[4:8]) != "hdlr" || int(hdlr[3]) != len(hdlr) || string(hdlr[16:20]) != "vide" {
		t.Errorf("hdlr box % x", hdlr)
	}
	if NeedsV1(1<<32-1) || !NeedsV1(3, 1<<32) {
		t.Error("NeedsV1 wrong at the 32-bit limit")
	}
}
