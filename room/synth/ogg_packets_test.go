package synth

import (
	"bytes"
	"encoding/binary"
	"github.com/roomcast/roomcast/pipeline/ogg"
	"testing"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// oggTestStream writes packets as an Ogg stream with at most perPage
// lacing values per page, so long packets span pages.
func oggTestStream(serial uint32, packets [][]byte, perPage int) []byte {
	type seg struct {
		data []byte
		cont bool // continues a packet begun earlier
	}
	var segs []seg
	for _, p := range packets {
		for i := 0; ; i += 255 {
			end := min(i+255, len(p))
			segs = append(segs, seg{data: p[i:end], cont: i > 0})
			if end-i < 255 {
				break
			}
		}
	}
	var out []byte
	for seq := 0; len(segs) > 0; seq++ {
		n := min(perPage, len(segs))
		out = append(out, oggTestPage(serial, uint32(seq), segs[0].cont, segsData(segs[:n], func(s seg) []byte { return s.data }))...)
		segs = segs[n:]
	}
	return out
}

func segsData[T any](s []T, f func(T) []byte) [][]byte {
	out := make([][]byte, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

func oggTestPage(serial, seq uint32, continued bool, segs [][]byte) []byte {
	h := make([]byte, oggHeaderLen, oggHeaderLen+len(segs))
	copy(h, "OggS")
	if continued {
		h[5] = oggContinued
	}
	if seq == 0 {
		h[5] |= 0x02
	}
	binary.LittleEndian.PutUint32(h[14:], serial)
	binary.LittleEndian.PutUint32(h[18:], seq)
	h[oggSegmentCount] = byte(len(segs))
	for _, s := range segs {
		h = append(h, byte(len(s)))
	}
	page := append(h, bytes.Join(segs, nil)...)
	binary.LittleEndian.PutUint32(page[ogg.CRCOffset:], ogg.CRC(page))
	return page
}

func fill(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

// oggCases feed the unit test and the fuzz seeds.
var oggCases = []struct {
	name    string
	data    []byte
	want    [][]byte
	wantErr bool
}{
	{name: "one packet per page", data: oggTestStream(1, [][]byte{fill(19, 1), fill(40, 2), fill(100, 3)}, 1),
		want: [][]byte{fill(19, 1), fill(40, 2), fill(100, 3)}},
	{name: "many packets per page", data: oggTestStream(1, [][]byte{fill(10, 1), fill(20, 2), fill(30, 3), fill(40, 4)}, 50),
		want: [][]byte{fill(10, 1), fill(20, 2), fill(30, 3), fill(40, 4)}},
	{name: "packet spans pages", data: oggTestStream(1, [][]byte{fill(5, 1), fill(700, 2), fill(6, 3)}, 2),
		want: [][]byte{fill(5, 1), fill(700, 2), fill(6, 3)}},
	{name: "packet of exactly 510 bytes", data: oggTestStream(1, [][]byte{fill(510, 7), fill(3, 8)}, 255),
		want: [][]byte{fill(510, 7), fill(3, 8)}},
	{name: "other stream ignored", data: append(oggTestStream(1, [][]byte{fill(3, 1)}, 1), oggTestStream(2, [][]byte{fill(4, 2)}, 1)...),
		want: [][]byte{fill(3, 1)}},
	{name: "unfinished packet dropped", // the page closing the 255-byte packet is missing
		data: oggTestStream(1, [][]byte{fill(3, 1), fill(255, 2)}, 2)[:oggHeaderLen+2+3+255],
		want: [][]byte{fill(3, 1)}},
	{name: "no capture pattern", data: []byte("NotOgg and more bytes to pass the header length"), wantErr: true},
	{name: "bad checksum", data: func() []byte {
		b := oggTestStream(1, [][]byte{fill(30, 1)}, 1)
		b[len(b)-1] ^= 0xff
		return b
	}(), wantErr: true},
	{name: "truncated body", data: oggTestStream(1, [][]byte{fill(30, 1)}, 1)[:40], wantErr: true},
	{name: "truncated header", data: []byte("OggS\x00"), wantErr: true},
}

func TestOggPackets(t *testing.T) {
	seeds := map[string][]any{}
	for _, tc := range oggCases {
		seeds[tc.name] = []any{tc.data}
	}
	fuzzcorpus.Write(t, "FuzzOggPackets", seeds)
	for _, tc := range oggCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := oggPackets(tc.data)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d packets, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if !bytes.Equal(got[i], tc.want[i]) {
					t.Errorf("packet %d: %d bytes, want %d", i, len(got[i]), len(tc.want[i]))
				}
			}
		})
	}
}

// TestOggPacketsSkipsOrphanContinuation checks that a stream starting in
// the middle of a packet drops the tail and keeps what follows.
func TestOggPacketsSkipsOrphanContinuation(t *testing.T) {
	page := oggTestPage(1, 0, true, [][]byte{fill(255, 1), fill(10, 1), fill(4, 2)})
	got, err := oggPackets(page)
	if err != nil || len(got) != 1 || !bytes.Equal(got[0], fill(4, 2)) {
		t.Fatalf("got %d packets, err %v; want the one 4-byte packet", len(got), err)
	}
}

func TestParseOggOpus(t *testing.T) {
	head := append([]byte("OpusHead"), fill(11, 0)...)
	tags := append([]byte("OpusTags"), fill(8, 0)...)
	celt20 := []byte{31<<3 | 0, 1, 2, 3}
	c, err := parseOggOpus(oggTestStream(9, [][]byte{head, tags, celt20, {}, celt20}, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.packets) != 2 || c.samples[0] != 960 || c.samples[1] != 960 {
		t.Fatalf("got %d packets %v, want 2 of 960 samples", len(c.packets), c.samples)
	}
	if _, err := parseOggOpus(oggTestStream(9, [][]byte{tags, head, celt20}, 1)); err == nil {
		t.Error("headers out of order accepted")
	}
}

func FuzzOggPackets(f *testing.F) {
	for _, tc := range oggCases {
		f.Add(tc.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		packets, err := oggPackets(data)
		if err != nil {
			return
		}
		total := 0
		for _, p := range packets {
			total += len(p)
		}
		if total > len(data) {
			t.Fatalf("%d packet bytes from %d input bytes", total, len(data))
		}
	})
}
