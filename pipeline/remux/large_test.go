package remux

import (
	"encoding/binary"
	"testing"
)

// TestLargeLayout pretends the last segment's mdat payload lies beyond
// 4 GiB: chunk offsets switch to co64 and mdat to a 64-bit largesize.
func TestLargeLayout(t *testing.T) {
	rec := synthRecording(t)
	b := &builder{fetch: rec.fetch, inits: map[string]*initSegment{}, tracks: map[uint32]*track{}}
	ctx := t.Context()
	for _, s := range rec.segs {
		if _, err := b.init(ctx, s.Init); err != nil {
			t.Fatal(err)
		}
	}
	frags, err := b.heads(ctx, rec.segs)
	if err != nil {
		t.Fatal(err)
	}
	const huge = 5 << 30
	for i, s := range rec.segs {
		if i == len(rec.segs)-1 {
			b.pay += huge // a giant segment before the last one
		}
		if err := b.add(b.inits[s.Init], frags[i], s.Name); err != nil {
			t.Fatal(err)
		}
	}
	f, err := b.layout()
	if err != nil {
		t.Fatal(err)
	}
	boxes := f.header[:len(f.header)-16] // ftyp and moov
	co64 := stblOf(t, boxes, "co64")
	if co64[0] == nil || stblOf(t, boxes, "stco")[0] != nil {
		t.Fatal("no co64 for offsets beyond 4 GiB")
	}
	offsets := co64[0][8:]
	last := binary.BigEndian.Uint64(offsets[len(offsets)-8:])
	if last < huge {
		t.Errorf("last chunk offset %d, want beyond %d", last, huge)
	}
	mdat := f.header[len(f.header)-16:]
	if string(mdat[4:8]) != "mdat" || binary.BigEndian.Uint32(mdat) != 1 {
		t.Fatalf("mdat header % x, want a largesize header", mdat)
	}
	if got := int64(binary.BigEndian.Uint64(mdat[8:])) + int64(len(f.header)) - 16; got != f.Size() {
		t.Errorf("mdat ends at %d, file size %d", got, f.Size())
	}
}
