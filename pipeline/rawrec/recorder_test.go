package rawrec

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// collector gathers the files a Recorder hands over.
type collector struct {
	mu    sync.Mutex
	files []File
}

func (c *collector) onFile(f File) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.files = append(c.files, f)
}

func (c *collector) byTrack(id string) []File {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []File
	for _, f := range c.files {
		if f.TrackID == id {
			out = append(out, f)
		}
	}
	return out
}

func newTestRecorder(t *testing.T, c *collector) (*Recorder, string) {
	t.Helper()
	dir := t.TempDir()
	r, err := New(Config{Dir: filepath.Join(dir, "work"), PartDuration: 2 * time.Second, OnFile: c.onFile})
	if err != nil {
		t.Fatal(err)
	}
	return r, dir
}

// feed gives the clip's units to r as track tr, offset on the clock.
func feed(r *Recorder, tr *media.Track, c clip, offset time.Duration) {
	r.TrackAdded(tr)
	for _, u := range c.units {
		v := *u
		v.Track, v.PTS = tr, u.PTS+offset
		v.DTS = v.PTS
		r.Unit(&v)
	}
	r.TrackRemoved(tr)
}

func testTrack(codec media.Codec, id, name string) *media.Track {
	return &media.Track{ID: id, Kind: codec.Kind(), Codec: codec, ClockRate: codec.ClockRate(),
		ParticipantID: "p1", ParticipantName: name}
}

func TestRecordCodecs(t *testing.T) {
	fx := loadFixtures(t)
	cases := []struct {
		codec     media.Codec
		clip      clip
		probe     string
		ext       string
		wantParts int
	}{
		{media.CodecH264, fx.h264, "h264", "mp4", 3},
		{media.CodecVP8, fx.vp8, "vp8", "webm", 3},
		{media.CodecOpus, fx.opus, "opus", "ogg", 3},
	}
	for _, tc := range cases {
		t.Run(string(tc.codec), func(t *testing.T) {
			t.Parallel()
			var c collector
			r, _ := newTestRecorder(t, &c)
			const offset = 7 * time.Second
			feed(r, testTrack(tc.codec, "track-"+tc.ext, "Alice"), tc.clip, offset)
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			files := c.byTrack("track-" + tc.ext)
			if len(files) != tc.wantParts {
				t.Fatalf("%d parts, want %d: %+v", len(files), tc.wantParts, files)
			}
			checkParts(t, files, tc.probe, tc.ext, offset, tc.clip.duration)
			st := r.Stats()
			if st.Files != int64(len(files)) || st.Dropped != 0 || st.Errors != 0 || st.Units != int64(len(tc.clip.units)) {
				t.Errorf("stats %+v, want %d files, %d units, no drops", st, len(files), len(tc.clip.units))
			}
		})
	}
}

// checkParts probes each part and checks the parts tile the fed media.
func checkParts(t *testing.T, files []File, codec, ext string, offset, total time.Duration) {
	t.Helper()
	var sum time.Duration
	next := offset
	for i, f := range files {
		if want := "Alice/track-" + ext + "-" + pad4(i+1) + "." + ext; f.Name != want {
			t.Errorf("part %d name %q, want %q", i, f.Name, want)
		}
		if f.Start != next {
			t.Errorf("part %d starts at %v, want %v", i, f.Start, next)
		}
		p := ffprobe(t, f.Path)
		if p.codec != codec {
			t.Errorf("part %d codec %q, want %q", i, p.codec, codec)
		}
		if d := p.duration - f.Duration; d > 100*time.Millisecond || d < -100*time.Millisecond {
			t.Errorf("part %d: ffprobe %v, File.Duration %v", i, p.duration, f.Duration)
		}
		if msg := decodeErrors(t, f.Path); msg != "" {
			t.Errorf("part %d decodes with errors: %s", i, msg)
		}
		if f.Size <= 0 || f.Codec == "" || f.Participant != "Alice" {
			t.Errorf("part %d: %+v", i, f)
		}
		sum += f.Duration
		next = f.Start + f.Duration
	}
	if d := sum - total; d > 5*time.Millisecond || d < -5*time.Millisecond {
		t.Errorf("parts last %v in all, fed %v", sum, total)
	}
}

func pad4(n int) string {
	s := "000" + string(rune('0'+n%10))
	return s[len(s)-4:]
}

func TestParticipantCannotEscape(t *testing.T) {
	fx := loadFixtures(t)
	var c collector
	r, dir := newTestRecorder(t, &c)
	feed(r, testTrack(media.CodecOpus, "../a/../../b", "../../etc"), fx.opus, 0)
	feed(r, testTrack(media.CodecOpus, "", ""), fx.opus, 0)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work") + string(filepath.Separator)
	if len(c.files) == 0 {
		t.Fatal("no files")
	}
	for _, f := range c.files {
		if strings.Contains(f.Name, "..") || strings.Count(f.Name, "/") != 1 || strings.HasPrefix(f.Name, "/") {
			t.Errorf("unsafe name %q", f.Name)
		}
		if !strings.HasPrefix(filepath.Clean(f.Path), work) {
			t.Errorf("path %q outside %q", f.Path, work)
		}
	}
}

func TestSanitize(t *testing.T) {
	cases := map[string]string{
		"Alice":      "Alice",
		"":           "_",
		"..":         "_.",
		".":          "_",
		"../../etc":  "_._.__etc",
		"a/b\\c":     "a_b_c",
		"Jos\u00e9":  "Jos__",
		".hidden":    "_hidden",
		"a..b":       "a._b",
		"x.y-z_1":    "x.y-z_1",
		"\x00\n":     "__",
		"very...dot": "very._.dot",
	}
	for in, want := range cases {
		got := sanitize(in)
		if got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "..") || strings.ContainsAny(got, "/\\") || got == "" {
			t.Errorf("sanitize(%q) = %q is unsafe", in, got)
		}
	}
	if got := sanitize(strings.Repeat("a", 300)); len(got) != maxNameLen {
		t.Errorf("long name sanitised to %d bytes", len(got))
	}
}

// TestConcurrentTracks feeds a video and an audio track of two
// participants from two goroutines (run with -race).
func TestConcurrentTracks(t *testing.T) {
	fx := loadFixtures(t)
	var c collector
	r, _ := newTestRecorder(t, &c)
	var wg sync.WaitGroup
	wg.Go(func() { feed(r, testTrack(media.CodecH264, "cam", "Bob"), fx.h264, 0) })
	wg.Go(func() { feed(r, testTrack(media.CodecOpus, "mic", "Carol"), fx.opus, 0) })
	wg.Go(func() { _ = r.Stats() })
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if len(c.byTrack("cam")) != 3 || len(c.byTrack("mic")) != 3 {
		t.Fatalf("files %+v", c.files)
	}
	if st := r.Stats(); st.Dropped != 0 || st.Files != 6 {
		t.Errorf("stats %+v", st)
	}
}

// TestLostPartsReported: parts that cannot be opened (the work directory
// is gone) lose the track's media until one opens; OnLost reports the
// spell once, and again for a later spell.
func TestLostPartsReported(t *testing.T) {
	var c collector
	var lost []string
	dir := filepath.Join(t.TempDir(), "work")
	r, err := New(Config{Dir: dir, PartDuration: time.Second, OnFile: c.onFile, OnLost: func(track string, err error) {
		lost = append(lost, track+": "+err.Error())
	}})
	if err != nil {
		t.Fatal(err)
	}
	breakDir := func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir, []byte("not a directory"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fixDir := func() {
		if err := os.Remove(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tr := testTrack(media.CodecOpus, "mic", "p")
	r.TrackAdded(tr)
	pkt := goodUnits[2].data
	pts := time.Duration(0)
	send := func(n int) {
		for range n {
			r.Unit(&media.Unit{Track: tr, PTS: pts, DTS: pts, Data: pkt})
			pts += 20 * time.Millisecond
		}
	}
	breakDir()
	send(5)
	if len(lost) != 1 {
		t.Fatalf("lost %v after a spell of failed opens, want one report", lost)
	}
	fixDir()
	send(5)
	r.TrackRemoved(tr)
	if len(lost) != 1 || len(c.byTrack("mic")) != 1 {
		t.Fatalf("lost %v, files %+v: want the part after the fix kept, no new report", lost, c.files)
	}
	r.TrackAdded(tr)
	breakDir()
	send(3)
	if len(lost) != 2 {
		t.Errorf("lost %v: a new spell is reported again", lost)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Errors < 2 {
		t.Errorf("stats %+v", st)
	}
}
