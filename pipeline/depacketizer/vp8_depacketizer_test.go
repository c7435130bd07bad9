package depacketizer

import (
	"bytes"
	"errors"
	"testing"

	"github.com/roomcast/roomcast/pipeline/codecs/vp8"
	"github.com/roomcast/roomcast/pipeline/media"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// vp8Desc builds a payload descriptor without extension (RFC 7741 section
// 4.2).
func vp8Desc(start bool, pid uint8) []byte {
	b := pid & vp8.MaskPID
	if start {
		b |= vp8.FlagS
	}
	return []byte{b}
}

// vp8DescExt builds a payload descriptor with a PictureID (15-bit when
// pictureID > 127), TL0PICIDX and TID/KEYIDX.
func vp8DescExt(start bool, pid uint8, pictureID int) []byte {
	b := append(vp8Desc(start, pid), 0)
	b[0] |= vp8.FlagX
	b[1] = vp8.FlagI | vp8.FlagL | vp8.FlagT | vp8.FlagK
	if pictureID > 127 {
		b = append(b, vp8.FlagM|byte(pictureID>>8), byte(pictureID))
	} else {
		b = append(b, byte(pictureID))
	}
	return append(b, 0x42, 0x21) // TL0PICIDX, TID=0 Y=1 KEYIDX=1
}

// vp8Frame builds a VP8 frame (RFC 6386 section 9.1) of 640x480 whose first
// partition is first, followed by rest.
func vp8Frame(key bool, first, rest []byte) []byte {
	size := len(first)
	b0 := byte(size&7)<<5 | 1<<4 // show_frame
	if !key {
		b0 |= 1
	}
	b := []byte{b0, byte(size >> 3), byte(size >> 11)}
	if key {
		b = append(b, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01)
	}
	return append(append(b, first...), rest...)
}

// vp8Bytes returns n bytes counting from start.
func vp8Bytes(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

var (
	vp8Key   = vp8Frame(true, vp8Bytes(0x10, 20), vp8Bytes(0x40, 10)) // 40 bytes
	vp8Delta = vp8Frame(false, vp8Bytes(0x60, 8), vp8Bytes(0x70, 4))  // 15 bytes
)

// vp8With returns a copy of b with b[i] = v.
func vp8With(b []byte, i int, v byte) []byte {
	b = bytes.Clone(b)
	b[i] = v
	return b
}

var vp8Cases = []depCase{
	{
		name:  "key frame in one packet",
		steps: []depStep{depPkt(1, true, vp8Desc(true, 0), vp8Key)},
		want:  []Frame{depFrame(1, true, vp8Key)},
	},
	{
		name:  "delta frame in one packet",
		steps: []depStep{depPkt(1, true, vp8Desc(true, 0), vp8Delta)},
		want:  []Frame{depFrame(1, false, vp8Delta)},
	},
	{
		name: "key frame in three packets with 15-bit PictureID",
		steps: []depStep{
			depPkt(1, false, vp8DescExt(true, 0, 0x1234), vp8Key[:15]),
			depPkt(1, false, vp8DescExt(false, 0, 0x1234), vp8Key[15:30]),
			depPkt(1, true, vp8DescExt(false, 0, 0x1234), vp8Key[30:]),
		},
		want: []Frame{depFrame(1, true, vp8Key)},
	},
	{
		name: "partitions with 7-bit PictureID",
		steps: []depStep{
			depPkt(1, false, vp8DescExt(true, 0, 5), vp8Key[:30]),
			depPkt(1, true, vp8DescExt(true, 1, 5), vp8Key[30:]),
			depPkt(2, false, vp8DescExt(true, 0, 6), vp8Delta[:11]),
			depPkt(2, true, vp8DescExt(true, 1, 6), vp8Delta[11:]),
		},
		want: []Frame{depFrame(1, true, vp8Key), depFrame(2, false, vp8Delta)},
	},
	{
		name: "missing marker emits on timestamp change",
		steps: []depStep{
			depPkt(1, false, vp8Desc(true, 0), vp8Delta[:5]),
			depPkt(1, false, vp8Desc(false, 0), vp8Delta[5:]),
			depPkt(2, true, vp8Desc(true, 0), vp8Delta),
		},
		want: []Frame{depFrame(1, false, vp8Delta), depFrame(2, false, vp8Delta)},
	},
	{
		name: "missing marker drops incomplete frame",
		steps: []depStep{
			depPkt(1, false, vp8Desc(true, 0), vp8Key[:12]),
			depPkt(2, true, vp8Desc(true, 0), vp8Delta),
		},
		want: []Frame{depFrame(2, false, vp8Delta)},
	},
	{
		name: "lost middle packet then reset",
		steps: []depStep{
			depPkt(1, false, vp8Desc(true, 0), vp8Key[:15]),
			depReset(),
			depPkt(1, true, vp8Desc(false, 0), vp8Key[30:]),
			depPkt(2, true, vp8Desc(true, 0), vp8Delta),
		},
		want: []Frame{depFrame(2, false, vp8Delta)},
	},
	{
		name: "frame without its start is dropped",
		steps: []depStep{
			depPkt(1, true, vp8Desc(false, 0), vp8Key[20:]),
			depPkt(2, true, vp8Desc(true, 0), vp8Delta),
		},
		want: []Frame{depFrame(2, false, vp8Delta)},
	},
	{
		name: "padding-only packet inside a frame is ignored",
		steps: []depStep{
			depPkt(1, false, vp8Desc(true, 0), vp8Key[:20]),
			{padding: true, tick: 1},
			depPkt(1, true, vp8Desc(false, 0), vp8Key[20:]),
		},
		want: []Frame{depFrame(1, true, vp8Key)},
	},
	{
		name: "empty payload",
		steps: []depStep{
			depPkt(1, false, vp8Desc(true, 0), vp8Key[:20]),
			depPkt(1, false),
			depPkt(1, true, vp8Desc(false, 0), vp8Key[20:]),
			depPkt(2, true, vp8Desc(true, 0), vp8Delta),
		},
		want:    []Frame{depFrame(2, false, vp8Delta)},
		wantErr: 1,
	},
	{
		name:    "truncated extension byte",
		steps:   []depStep{depPkt(1, true, []byte{vp8.FlagX | vp8.FlagS})},
		wantErr: 1,
	},
	{
		name:    "truncated PictureID",
		steps:   []depStep{depPkt(1, true, []byte{vp8.FlagX | vp8.FlagS, vp8.FlagI})},
		wantErr: 1,
	},
	{
		name:    "truncated 15-bit PictureID",
		steps:   []depStep{depPkt(1, true, []byte{vp8.FlagX | vp8.FlagS, vp8.FlagI, vp8.FlagM})},
		wantErr: 1,
	},
	{
		name:    "truncated TL0PICIDX and TID",
		steps:   []depStep{depPkt(1, true, []byte{vp8.FlagX | vp8.FlagS, vp8.FlagL | vp8.FlagT, 0})},
		wantErr: 1,
	},
	{
		name:    "descriptor without payload",
		steps:   []depStep{depPkt(1, true, vp8Desc(true, 0))},
		wantErr: 1,
	},
	{
		name:    "key frame without start code",
		steps:   []depStep{depPkt(1, true, vp8Desc(true, 0), vp8With(vp8Key, 4, 0))},
		wantErr: 1,
	},
	{
		name:    "key frame of width zero",
		steps:   []depStep{depPkt(1, true, vp8Desc(true, 0), vp8With(vp8With(vp8Key, 6, 0), 7, 0))},
		wantErr: 1,
	},
	{
		name:    "frame shorter than its frame tag",
		steps:   []depStep{depPkt(1, true, vp8Desc(true, 0), []byte{0x01, 0x00})},
		wantErr: 1,
	},
	{
		name:    "first partition larger than the frame",
		steps:   []depStep{depPkt(1, true, vp8Desc(true, 0), vp8With(vp8Delta, 1, 0x10))},
		wantErr: 1,
	},
	{
		name: "partition 0 starts twice in one frame",
		steps: []depStep{
			depPkt(1, false, vp8Desc(true, 0), vp8Key[:20]),
			depPkt(1, false, vp8Desc(true, 0), vp8Key[:20]),
			depPkt(1, true, vp8Desc(false, 0), vp8Key[20:]),
			depPkt(2, true, vp8Desc(true, 0), vp8Delta),
		},
		want:    []Frame{depFrame(2, false, vp8Delta)},
		wantErr: 1,
	},
	{
		name: "malformed packet drops the open frame",
		steps: []depStep{
			depPkt(1, false, vp8Desc(true, 0), vp8Key[:20]),
			depPkt(1, false, []byte{vp8.FlagX}),
			depPkt(1, true, vp8Desc(false, 0), vp8Key[20:]),
		},
		wantErr: 1,
	},
}

func TestVP8Depacketizer(t *testing.T) {
	testDepCases(t, media.CodecVP8, vp8Cases)
	fuzzcorpus.WriteBytes(t, "FuzzVP8Depacketizer", depCaseSeeds(vp8Cases))
}

func TestVP8DepacketizerFrameCap(t *testing.T) {
	d, _ := New(media.CodecVP8)
	chunk := bytes.Repeat([]byte{0xaa}, 60000)
	_, err := d.Push(depPacket(depPkt(1, false, vp8Desc(true, 0), vp8Delta, chunk), 0))
	for i := 1; err == nil && i < 2*maxVideoFrameBytes/len(chunk); i++ {
		_, err = d.Push(depPacket(depPkt(1, false, vp8Desc(false, 0), chunk), uint16(i)))
	}
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("growing frame: %v, want ErrMalformed", err)
	}
	fs, err := d.Push(depPacket(depPkt(1, true, vp8Desc(false, 0), chunk), 0))
	if err != nil || len(fs) != 0 {
		t.Fatalf("rest of the capped frame: %v, %v", fs, err)
	}
}

func TestVP8DepacketizerAllocs(t *testing.T) {
	d, _ := New(media.CodecVP8)
	first := depPacket(depPkt(1, false, vp8Desc(true, 0), vp8Key[:20]), 0)
	last := depPacket(depPkt(1, true, vp8Desc(false, 0), vp8Key[20:]), 1)
	allocs := testing.AllocsPerRun(100, func() {
		if fs, err := d.Push(first); err != nil || len(fs) != 0 {
			t.Fatal(fs, err)
		}
		if fs, err := d.Push(last); err != nil || len(fs) != 1 {
			t.Fatal(fs, err)
		}
	})
	if allocs > 1 { // its Data; the []Frame is reused
		t.Errorf("%v allocations per frame, want at most 1", allocs)
	}
}

func FuzzVP8Depacketizer(f *testing.F) {
	for _, c := range vp8Cases {
		f.Add(encodeDepSteps(c.steps))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDepacketizer(t, media.CodecVP8, data, func(t *testing.T, fr Frame) {
			if err := checkVP8Frame(fr.Data); err != nil {
				t.Fatalf("emitted frame fails its own check: %v", err)
			}
			if fr.Key != (fr.Data[0]&1 == 0) {
				t.Fatalf("Key = %v for frame tag %#x", fr.Key, fr.Data[0])
			}
		})
	})
}
