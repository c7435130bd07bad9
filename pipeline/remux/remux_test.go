package remux

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// probe is what ffprobe reports about a file.
type probe struct {
	Streams []struct {
		CodecName string `json:"codec_name"`
		StartTime string `json:"start_time"`
		Duration  string `json:"duration"`
		NbFrames  string `json:"nb_frames"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

func ffprobe(t *testing.T, path string) probe {
	t.Helper()
	out, err := command("ffprobe", "-v", "error", "-show_entries",
		"stream=codec_name,start_time,duration,nb_frames:format=duration", "-of", "json", path)
	if err != nil {
		t.Fatal(err)
	}
	var p probe
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("ffprobe output %q: %v", out, err)
	}
	t.Logf("ffprobe: %s", bytes.Join(bytes.Fields([]byte(out)), []byte(" ")))
	return p
}

func (p probe) duration(t *testing.T) time.Duration {
	t.Helper()
	s, err := strconv.ParseFloat(p.Format.Duration, 64)
	if err != nil {
		t.Fatalf("format duration %q: %v", p.Format.Duration, err)
	}
	return time.Duration(s * float64(time.Second))
}

func (p probe) codecs() []string {
	var c []string
	for _, s := range p.Streams {
		c = append(c, s.CodecName)
	}
	return c
}

// decodeClean fails when ffmpeg reports any error decoding the file.
func decodeClean(t *testing.T, path string) {
	t.Helper()
	out, err := command("ffmpeg", "-v", "error", "-i", path, "-f", "null", "-")
	if err != nil {
		t.Fatal(err)
	}
	if out != "" {
		t.Errorf("ffmpeg decode printed:\n%s", out)
	}
}

func near(a, b, tol time.Duration) bool {
	return time.Duration(math.Abs(float64(a-b))) <= tol
}

// topBoxes lists the top-level box types of an MP4.
func topBoxes(t *testing.T, b []byte) []string {
	t.Helper()
	var types []string
	for len(b) > 0 {
		size := uint64(binary.BigEndian.Uint32(b))
		if size == 1 {
			size = binary.BigEndian.Uint64(b[8:])
		}
		if size < 8 || size > uint64(len(b)) {
			t.Fatalf("top-level box %q of size %d in %d bytes", b[4:8], size, len(b))
		}
		types = append(types, string(b[4:8]))
		b = b[size:]
	}
	return types
}

func TestRemuxPlays(t *testing.T) {
	rec := avRecording(t)
	f, out := buildBytes(t, rec.segs, rec.fetch)
	if got := topBoxes(t, out); len(got) != 3 || got[0] != "ftyp" || got[1] != "moov" || got[2] != "mdat" {
		t.Errorf("top-level boxes %v, want ftyp moov mdat", got)
	}
	path := writeTemp(t, out)
	p := ffprobe(t, path)
	if c := p.codecs(); len(c) != 2 || c[0] != "h264" || c[1] != "aac" {
		t.Errorf("codecs %v, want h264 aac", c)
	}
	d := p.duration(t)
	if !near(d, fixtureLen, 100*time.Millisecond) || !near(d, f.Duration(), 100*time.Millisecond) {
		t.Errorf("ffprobe duration %v, File.Duration %v, media %v", d, f.Duration(), fixtureLen)
	}
	decodeClean(t, path)
}

func TestRandomRanges(t *testing.T) {
	rec := avRecording(t)
	f, out := buildBytes(t, rec.segs, rec.fetch)
	r := f.NewReader(t.Context())
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		off := rng.Int64N(f.Size())
		n := rng.Int64N(min(f.Size()-off, 300_000)) + 1
		if _, err := r.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, n)
		if _, err := io.ReadFull(r, got); err != nil {
			t.Fatalf("read %d at %d: %v", n, off, err)
		}
		if !bytes.Equal(got, out[off:off+n]) {
			t.Fatalf("bytes %d..%d differ from the full output", off, off+n)
		}
	}
	if pos, err := r.Seek(-10, io.SeekEnd); err != nil || pos != f.Size()-10 {
		t.Fatalf("seek from end: %d, %v", pos, err)
	}
	tail, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(tail, out[len(out)-10:]) {
		t.Fatalf("tail %x, %v", tail, err)
	}
}

// TestMissingSegment drops a middle segment: the sample before the gap is
// stretched over it, so the file keeps the full timeline.
func TestMissingSegment(t *testing.T) {
	rec := avRecording(t)
	segs := append(append([]Segment{}, rec.segs[:2]...), rec.segs[3:]...)
	f, out := buildBytes(t, segs, rec.fetch)
	if !near(f.Duration(), fixtureLen, 100*time.Millisecond) {
		t.Errorf("Duration %v, want the full %v (gap bridged)", f.Duration(), fixtureLen)
	}
	path := writeTemp(t, out)
	p := ffprobe(t, path)
	if d := p.duration(t); !near(d, fixtureLen, 100*time.Millisecond) {
		t.Errorf("ffprobe duration %v, want %v", d, fixtureLen)
	}
	if n, _ := strconv.Atoi(p.Streams[0].NbFrames); n != int(fixtureLen.Seconds()*30)-60 {
		t.Errorf("%d video frames, want %d", n, int(fixtureLen.Seconds()*30)-60)
	}
	decodeClean(t, path)
}
