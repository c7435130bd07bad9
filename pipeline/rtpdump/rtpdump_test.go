package rtpdump

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

var (
	testVideo = Track{ID: "TR_video", Kind: "video", Codec: "H264", ClockRate: 90000, ParticipantID: "PA_1", ParticipantName: "Zoë <&>", Source: "camera"}
	testAudio = Track{ID: "TR_audio", Kind: "audio", Codec: "opus", ClockRate: 48000, ParticipantID: "PA_1"}
)

// testPackets are packets of testVideo (0) and testAudio (1), the first
// at the largest size a dump takes.
func testPackets() []Packet {
	t0 := time.Unix(1767366245, 123456789)
	return []Packet{
		{Track: 0, Arrival: t0, RTP: bytes.Repeat([]byte{0x80}, MaxPacket)},
		{Track: 1, Arrival: t0.Add(time.Millisecond), RTP: []byte{0x80, 0x6f, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xfc}},
		{Track: 0, Arrival: t0.Add(time.Millisecond), RTP: nil},
		{Track: 1, Arrival: time.Unix(0, -1), RTP: []byte{1}}, // arrivals are not checked
	}
}

// dump writes a dump of the tracks and packets.
func dump(t testing.TB, tracks []Track, pkts []Packet) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range tracks {
		tr.Index = 99 // the writer numbers the tracks
		if idx, err := w.WriteTrack(tr); err != nil || idx != uint16(i) {
			t.Fatalf("track %d: index %d, %v", i, idx, err)
		}
	}
	for i, p := range pkts {
		if err := w.WritePacket(p); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
	}
	return buf.Bytes()
}

// readAll reads a dump to its end: the tracks in the order read, copies
// of the packets, and the error that ended it (nil at a clean end).
func readAll(b []byte) ([]Track, []Packet, error) {
	r := NewReader(bytes.NewReader(b))
	var tracks []Track
	var pkts []Packet
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return tracks, pkts, nil
		}
		if err != nil {
			return tracks, pkts, err
		}
		switch v := rec.(type) {
		case *Track:
			tracks = append(tracks, *v)
		case *Packet:
			pkts = append(pkts, Packet{Track: v.Track, Arrival: v.Arrival, RTP: bytes.Clone(v.RTP)})
		default:
			return tracks, pkts, fmt.Errorf("record of type %T", rec)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	tracks, pkts := []Track{testVideo, testAudio}, testPackets()
	gotTracks, gotPkts, err := readAll(dump(t, tracks, pkts))
	if err != nil {
		t.Fatal(err)
	}
	for i := range tracks {
		tracks[i].Index = uint16(i)
	}
	if !reflect.DeepEqual(gotTracks, tracks) {
		t.Errorf("tracks = %+v, want %+v", gotTracks, tracks)
	}
	if len(gotPkts) != len(pkts) {
		t.Fatalf("%d packets, want %d", len(gotPkts), len(pkts))
	}
	for i, p := range gotPkts {
		w := pkts[i]
		if p.Track != w.Track || !p.Arrival.Equal(w.Arrival) || !bytes.Equal(p.RTP, w.RTP) {
			t.Errorf("packet %d = track %d at %v, %d bytes; want track %d at %v, %d bytes",
				i, p.Track, p.Arrival, len(p.RTP), w.Track, w.Arrival, len(w.RTP))
		}
	}
	// An empty dump is the magic alone.
	if b := dump(t, nil, nil); string(b) != Magic {
		t.Errorf("empty dump = %q", b)
	}
	if tr, ps, err := readAll([]byte(Magic)); err != nil || len(tr) != 0 || len(ps) != 0 {
		t.Errorf("empty dump read as %v, %v, %v", tr, ps, err)
	}
}

func TestWriterRefuses(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(Packet{Track: 0}); err == nil {
		t.Error("a packet before its track is written")
	}
	long := testVideo
	long.ParticipantName = strings.Repeat("x", maxTrackBody)
	if _, err := w.WriteTrack(long); err == nil {
		t.Error("a track description of more than 4 KiB is written")
	}
	if _, err := w.WriteTrack(testVideo); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(Packet{Track: 0, RTP: make([]byte, MaxPacket+1)}); err == nil {
		t.Error("a packet larger than MaxPacket is written")
	}
	for i := 1; i < MaxTracks; i++ {
		if _, err := w.WriteTrack(testAudio); err != nil {
			t.Fatalf("track %d: %v", i, err)
		}
	}
	if _, err := w.WriteTrack(testAudio); err == nil {
		t.Errorf("track %d is written", MaxTracks+1)
	}
	if tracks, pkts, err := readAll(buf.Bytes()); err != nil || len(tracks) != MaxTracks || len(pkts) != 0 {
		t.Errorf("what the writer wrote reads as %d tracks and %d packets, %v; want %d and none", len(tracks), len(pkts), err, MaxTracks)
	}

	// A failing destination fails every later write too.
	fw := &failWriter{after: len(Magic) + recordHeaders}
	w, err = NewWriter(fw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteTrack(testVideo); err == nil {
		t.Fatal("a track is written to a failing writer")
	}
	fw.after = 1 << 20
	if _, err := w.WriteTrack(testVideo); err == nil {
		t.Error("a write after a failed one succeeds")
	}
	if _, err := NewWriter(&failWriter{}); err == nil {
		t.Error("NewWriter on a failing writer succeeds")
	}
}

// failWriter fails once after bytes were written.
type failWriter struct{ after, n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n+len(p) > f.after {
		return 0, errors.New("disk full")
	}
	f.n += len(p)
	return len(p), nil
}

// record builds one record by hand.
func record(typ byte, body []byte) []byte {
	return append(recordHeader(typ, uint32(len(body))), body...)
}

// recordHeader builds a record's header, whatever its body.
func recordHeader(typ byte, n uint32) []byte {
	b := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], n)
	return b
}

// packetBody builds a packet record's body.
func packetBody(track uint16, rtp []byte) []byte {
	b := make([]byte, packetHeader, packetHeader+len(rtp))
	binary.BigEndian.PutUint16(b, track)
	binary.BigEndian.PutUint64(b[2:], 1767366245000000000)
	return append(b, rtp...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

var (
	magic      = []byte(Magic)
	videoTrack = record(recordTrack, []byte(`{"index":0,"id":"TR_v","kind":"video","codec":"VP8","clock_rate":90000,"participant_id":"PA_1"}`))
	onePacket  = record(recordPacket, packetBody(0, []byte{0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x10}))
)

// readerCases feed the unit test and the fuzz seeds: whole inputs, how
// many tracks and packets they yield, and the error that ends them (""
// for a clean end).
var readerCases = []struct {
	name         string
	in           []byte
	tracks, pkts int
	err          string
}{
	{"valid", cat(magic, videoTrack, onePacket, onePacket), 1, 2, ""},
	{"magic only", magic, 0, 0, ""},
	{"empty", nil, 0, 0, "no magic"},
	{"no magic", cat([]byte("RCDUMP2\n"), videoTrack), 0, 0, "no magic"},
	{"magic cut", magic[:5], 0, 0, "no magic"},
	{"header cut", cat(magic, videoTrack, onePacket[:3]), 1, 0, "record header"},
	{"track cut", cat(magic, videoTrack[:20]), 0, 0, "cut"},
	{"packet cut", cat(magic, videoTrack, onePacket[:len(onePacket)-1]), 1, 0, "cut"},
	{"unknown type", cat(magic, videoTrack, record('X', []byte{1, 2})), 1, 0, "record type 0x58"},
	{"packet of unknown track", cat(magic, videoTrack, record(recordPacket, packetBody(1, []byte{0x80}))), 1, 0, "unknown track 1"},
	{"packet before any track", cat(magic, onePacket), 0, 0, "unknown track 0"},
	{"huge packet length", cat(magic, videoTrack, recordHeader(recordPacket, 0xffffffff)), 1, 0, "packet record of 4294967295 bytes"},
	{"packet just too long", cat(magic, videoTrack, recordHeader(recordPacket, packetHeader+MaxPacket+1)), 1, 0, "packet record of 65547 bytes"},
	{"packet shorter than its header", cat(magic, videoTrack, record(recordPacket, []byte{0, 0, 1})), 1, 0, "packet record of 3 bytes"},
	{"huge track length", cat(magic, recordHeader(recordTrack, 0x7fffffff)), 0, 0, "track record of"},
	{"track just too long", cat(magic, recordHeader(recordTrack, maxTrackBody+1)), 0, 0, "track record of 4097 bytes"},
	{"bad json", cat(magic, record(recordTrack, []byte(`{"index":0,"id":`))), 0, 0, "track:"},
	{"json of the wrong type", cat(magic, record(recordTrack, []byte(`{"index":"0","id":"a","clock_rate":1}`))), 0, 0, "track:"},
	{"wrong index", cat(magic, record(recordTrack, []byte(`{"index":1,"id":"TR_v","clock_rate":90000}`))), 0, 0, "track index 1, want 0"},
	{"index repeated", cat(magic, videoTrack, videoTrack), 1, 0, "track index 0, want 1"},
	{"track without id", cat(magic, record(recordTrack, []byte(`{"index":0,"clock_rate":90000}`))), 0, 0, "without an id"},
	{"track without clock rate", cat(magic, record(recordTrack, []byte(`{"index":0,"id":"TR_v"}`))), 0, 0, "clock rate"},
	{"too many tracks", manyTracks(MaxTracks + 1), MaxTracks, 0, "more than 256 tracks"},
}

// manyTracks is a dump of n audio tracks.
func manyTracks(n int) []byte {
	b := magic
	for i := range n {
		b = cat(b, record(recordTrack, fmt.Appendf(nil, `{"index":%d,"id":"TR_%d","kind":"audio","clock_rate":48000}`, i, i)))
	}
	return b
}

func TestReaderMalformed(t *testing.T) {
	seeds := map[string][]byte{}
	for _, c := range readerCases {
		seeds[c.name] = c.in
		tracks, pkts, err := readAll(c.in)
		switch {
		case len(tracks) != c.tracks || len(pkts) != c.pkts:
			t.Errorf("%s: %d tracks and %d packets, want %d and %d (err %v)", c.name, len(tracks), len(pkts), c.tracks, c.pkts, err)
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.err != "" && (!errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: err = %v, want ErrFormat saying %q", c.name, err, c.err)
		}
	}
	seeds["round trip"] = dump(t, []Track{testVideo, testAudio}, testPackets()[1:])
	fuzzcorpus.WriteBytes(t, "FuzzReader", seeds)
}

// FuzzReader checks that no input panics the Reader or makes it hold more
// than its limits, and that what it reads writes back to a dump that reads
// the same.
func FuzzReader(f *testing.F) {
	for _, c := range readerCases {
		f.Add(c.in)
	}
	f.Add(dump(f, []Track{testVideo, testAudio}, testPackets()[1:]))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in))
		var pkts []Packet
		var err error
		for {
			var rec any
			if rec, err = r.Next(); err != nil {
				break
			}
			if cap(r.buf) > packetHeader+MaxPacket || len(r.Tracks()) > MaxTracks {
				t.Fatalf("reader holds a buffer of %d bytes and %d tracks", cap(r.buf), len(r.Tracks()))
			}
			if p, ok := rec.(*Packet); ok {
				if int(p.Track) >= len(r.Tracks()) || len(p.RTP) > MaxPacket {
					t.Fatalf("packet of track %d of %d, %d bytes", p.Track, len(r.Tracks()), len(p.RTP))
				}
				pkts = append(pkts, Packet{Track: p.Track, Arrival: p.Arrival, RTP: bytes.Clone(p.RTP)})
			}
		}
		if err != io.EOF && !errors.Is(err, ErrFormat) {
			t.Fatalf("error %v is neither io.EOF nor ErrFormat", err)
		}
		// What was read writes back and reads the same, unless a track's
		// JSON grows past the limit when written again (escapes).
		var buf bytes.Buffer
		w, _ := NewWriter(&buf)
		for _, tr := range r.Tracks() {
			if _, err := w.WriteTrack(tr); err != nil {
				return
			}
		}
		for _, p := range pkts {
			if err := w.WritePacket(p); err != nil {
				t.Fatalf("writing back packet: %v", err)
			}
		}
		tracks, again, err := readAll(buf.Bytes())
		if err != nil || !reflect.DeepEqual(tracks, r.Tracks()) || len(again) != len(pkts) {
			t.Fatalf("written back: %d tracks, %d packets, %v; want %d and %d", len(tracks), len(again), err, len(r.Tracks()), len(pkts))
		}
		for i, p := range again {
			if p.Track != pkts[i].Track || !p.Arrival.Equal(pkts[i].Arrival) || !bytes.Equal(p.RTP, pkts[i].RTP) {
				t.Fatalf("packet %d written back differs", i)
			}
		}
	})
}
