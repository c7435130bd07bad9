package fanout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/testutil"
)

func TestFastReaderGetsEveryUnitInOrder(t *testing.T) {
	const n = 5000
	f := New(Options{Buffer: n})
	r := f.NewReader("fast")
	var got []*media.Unit
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		got, err = readAll(r)
	}()
	g := newGen(30)
	for range n {
		f.Write(g.next())
	}
	f.Close()
	<-done
	if !errors.Is(err, io.EOF) {
		t.Fatalf("read ended with %v, want EOF", err)
	}
	if len(got) != n {
		t.Fatalf("got %d units, want %d", len(got), n)
	}
	for i, u := range got {
		if u.PTS != time.Duration(i) {
			t.Fatalf("unit %d is %s", i, label(u))
		}
	}
	if s := r.Stats(); s.Delivered != n || s.Dropped != 0 || s.Skipped != 0 || s.DropEvents != 0 {
		t.Fatalf("stats = %+v", s)
	}
}

// TestDropPolicy drives one reader with a ring of 4 through writes (K, P,
// A) and reads (r), and a second reader that reads after every write.
func TestDropPolicy(t *testing.T) {
	tests := []struct {
		name  string
		steps string
		want  string // units the first reader reads, then drains
		stats ReaderStats
	}{{
		name:  "keeps up",
		steps: "KPr PAr rr",
		want:  "K0 P1 P2 A3",
		stats: ReaderStats{Delivered: 4},
	}, {
		name:  "full ring drops until the next keyframe and restarts there",
		steps: "KPPP PPA KP",
		want:  "K7 P8",
		stats: ReaderStats{Delivered: 2, Dropped: 7, DropEvents: 1},
	}, {
		name:  "overflow at a keyframe restarts at once",
		steps: "KPPA KP",
		want:  "K4 P5",
		stats: ReaderStats{Delivered: 2, Dropped: 4, DropEvents: 1},
	}, {
		name:  "room made while dropping is not used before the keyframe",
		steps: "KPPP P rr PA KA",
		want:  "K0 P1 K7 A8",
		stats: ReaderStats{Delivered: 4, Dropped: 5, DropEvents: 1},
	}, {
		name:  "reader drained while dropping",
		steps: "KPPP P rrrr A KP",
		want:  "K0 P1 P2 P3 K6 P7",
		stats: ReaderStats{Delivered: 6, Dropped: 2, DropEvents: 1},
	}, {
		name:  "falls behind twice",
		steps: "KPPP P KPAP P KA",
		want:  "K10 A11",
		stats: ReaderStats{Delivered: 2, Dropped: 10, DropEvents: 2},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			video, audio := testTracks()
			f := New(Options{Buffer: 4})
			r := f.NewReader("slow")
			fast := f.NewReader("fast")
			var got []*media.Unit
			n := 0
			for _, c := range strings.ReplaceAll(tt.steps, " ", "") {
				if c == 'r' {
					got = append(got, readN(t, r, 1)...)
					continue
				}
				u := script(video, audio, n, string(c))[0]
				n++
				f.Write(u)
				if fu := readN(t, fast, 1)[0]; fu != u {
					t.Fatalf("fast reader read %s, want %s", label(fu), label(u))
				}
			}
			f.Close()
			rest, err := readAll(r)
			if !errors.Is(err, io.EOF) {
				t.Fatalf("drain ended with %v, want EOF", err)
			}
			got = append(got, rest...)
			if labels(got) != tt.want {
				t.Errorf("read %q, want %q", labels(got), tt.want)
			}
			if s := r.Stats(); s != tt.stats {
				t.Errorf("stats = %+v, want %+v", s, tt.stats)
			}
			if s := r.Stats(); s.Delivered+s.Dropped+s.Skipped != uint64(n) {
				t.Errorf("stats %+v do not account for %d units", s, n)
			}
			if s := fast.Stats(); s.Delivered != uint64(n) || s.Dropped != 0 {
				t.Errorf("fast reader stats = %+v", s)
			}
		})
	}
}

// TestBlockedReaderDoesNotSlowWriter writes 10k units with one reader that
// never reads and one that keeps up, and times the Writes alone.
func TestBlockedReaderDoesNotSlowWriter(t *testing.T) {
	const n, gop = 10000, 30
	f := New(Options{Buffer: 512})
	blocked := f.NewReader("blocked")
	fast := f.NewReader("fast")
	var got []*media.Unit
	done := make(chan struct{})
	go func() {
		defer close(done)
		got, _ = readAll(fast)
	}()

	g := newGen(gop)
	var inWrite time.Duration
	for written := 0; written < n; {
		start := time.Now()
		for i := 0; i < 2*gop && written < n; i++ {
			f.Write(g.next())
			written++
		}
		inWrite += time.Since(start)
		// Let the fast reader catch up, outside the timing, so that it
		// keeps up whatever the machine's load.
		testutil.Eventually(t, 5*time.Second, "the fast reader to catch up", func() bool {
			return fast.Stats().Delivered == uint64(written)
		})
	}
	f.Close()
	<-done
	// A Write that waited for the blocked reader would never return; the
	// bound only catches a writer that waits at all (how fast Write is,
	// is BenchmarkWrite10Readers'). 50 ms failed under -race while
	// make test ran other packages beside it.
	t.Logf("%d writes took %v in Write", n, inWrite)
	if inWrite > 2*time.Second {
		t.Errorf("%d writes took %v, want < 2s", n, inWrite)
	}
	if len(got) != n {
		t.Errorf("fast reader read %d units, want %d", len(got), n)
	}
	checkDecodable(t, "fast", got)

	s := blocked.Stats()
	if s.DropEvents == 0 || s.Dropped == 0 || s.Buffered == 0 || s.Buffered > 512 {
		t.Fatalf("blocked reader stats = %+v", s)
	}
	if s.Dropped+uint64(s.Buffered) != n {
		t.Errorf("blocked reader: %d dropped + %d buffered != %d", s.Dropped, s.Buffered, n)
	}
	// The blocked reader resumes at the latest keyframe, in order.
	rest, _ := readAll(blocked)
	checkDecodable(t, "blocked", rest)
	if last := rest[len(rest)-1]; last.PTS != n-1 {
		t.Errorf("blocked reader ends at %s, want the last unit", label(last))
	}
}

func TestReaderAddedMidStreamStartsAtKeyframe(t *testing.T) {
	video, audio := testTracks()
	f := New(Options{})
	defer f.Close()
	writeAll(f, script(video, audio, 0, "KPAPA"))
	r := f.NewReader("late")
	defer r.Close()
	tracks := r.Tracks()
	if len(tracks) != 2 || tracks[0] != video || tracks[1] != audio {
		t.Fatalf("Tracks() = %v, want video and audio", tracks)
	}
	for _, tr := range tracks {
		if len(tr.Config) == 0 {
			t.Errorf("%s track without Config", tr.Kind)
		}
	}
	writeAll(f, script(video, audio, 5, "PAKAP"))
	if got := labels(readN(t, r, 3)); got != "K7 A8 P9" {
		t.Fatalf("read %q, want K7 A8 P9", got)
	}
	if s := r.Stats(); s.Skipped != 2 || s.Dropped != 0 {
		t.Fatalf("stats = %+v, want 2 skipped", s)
	}
}

func TestStartWithoutVideoTrack(t *testing.T) {
	_, audio := testTracks()
	f := New(Options{})
	defer f.Close()
	writeAll(f, script(nil, audio, 0, "AA"))
	r := f.NewReader("audio")
	writeAll(f, script(nil, audio, 2, "AA"))
	if got := labels(readN(t, r, 2)); got != "A2 A3" {
		t.Fatalf("read %q, want A2 A3", got)
	}
}

func TestOptionsTracks(t *testing.T) {
	video, audio := testTracks()
	f := New(Options{Tracks: []*media.Track{video, audio}})
	defer f.Close()
	r := f.NewReader("early")
	if tracks := r.Tracks(); len(tracks) != 2 || tracks[0] != video || tracks[1] != audio {
		t.Fatalf("Tracks() before any unit = %v", tracks)
	}
	// The stream has video, so the audio before the keyframe is skipped.
	writeAll(f, script(video, audio, 0, "AAKA"))
	if got := labels(readN(t, r, 2)); got != "K2 A3" {
		t.Fatalf("read %q, want K2 A3", got)
	}
}

func TestResetSkipsToNextKeyframe(t *testing.T) {
	video, audio := testTracks()
	f := New(Options{})
	defer f.Close()
	r := f.NewReader("out")
	writeAll(f, script(video, audio, 0, "KPPA"))
	if got := labels(readN(t, r, 1)); got != "K0" {
		t.Fatalf("read %q, want K0", got)
	}
	r.Reset()
	if s := r.Stats(); s.Skipped != 3 || s.Buffered != 0 {
		t.Fatalf("stats after Reset = %+v, want 3 skipped", s)
	}
	video2 := *video
	video2.Config = []byte{0, 0, 0, 1, 0x67, 0x64}
	writeAll(f, script(video, audio, 4, "PA"))
	writeAll(f, script(&video2, audio, 6, "KA"))
	if got := labels(readN(t, r, 2)); got != "K6 A7" {
		t.Fatalf("read %q, want K6 A7", got)
	}
	if tracks := r.Tracks(); tracks[0] != &video2 {
		t.Fatalf("Tracks() after the keyframe = %v, want the new video track", tracks)
	}
}

// TestTrackChange checks that a new track reaches readers as a unit with a
// new Track pointer, and that Reader.Tracks follows the read position.
func TestTrackChange(t *testing.T) {
	video, audio := testTracks()
	video2 := *video
	video2.Width, video2.Height = 640, 360
	video2.Config = []byte{0, 0, 0, 1, 0x67, 0x42, 0, 0x1e}

	f := New(Options{})
	defer f.Close()
	r := f.NewReader("out")
	writeAll(f, script(video, audio, 0, "KA"))
	if got := labels(readN(t, r, 2)); got != "K0 A1" {
		t.Fatalf("read %q", got)
	}
	writeAll(f, script(video, audio, 2, "P"))
	writeAll(f, script(&video2, audio, 3, "KP"))

	late := f.NewReader("late")
	if tracks := late.Tracks(); tracks[0] != &video2 || tracks[1] != audio {
		t.Fatalf("a new reader's Tracks() = %v, want the new video track", tracks)
	}
	if tracks := r.Tracks(); tracks[0] != video {
		t.Fatalf("Tracks() before reading the change = %v, want the old video track", tracks)
	}
	us := readN(t, r, 3)
	if us[0].Track != video || us[1].Track != &video2 || us[2].Track != &video2 {
		t.Fatalf("units read carry tracks %v %v %v", us[0].Track, us[1].Track, us[2].Track)
	}
	if tracks := r.Tracks(); tracks[0] != &video2 || tracks[1] != audio {
		t.Fatalf("Tracks() after reading the change = %v", tracks)
	}
	// Tracks returns a copy.
	r.Tracks()[0] = nil
	if r.Tracks()[0] == nil {
		t.Fatal("Tracks() returned the reader's own slice")
	}
}

func TestDropLogRateLimited(t *testing.T) {
	h := &recordHandler{}
	f := New(Options{Buffer: 2, Logger: slog.New(h)})
	defer f.Close()
	now := time.Unix(1000, 0)
	f.now = func() time.Time { return now }
	video, audio := testTracks()
	r := f.NewReader("rtmp-0")
	defer r.Close()
	// With a ring of 2, every KPP falls behind once.
	for i := range 3 {
		writeAll(f, script(video, audio, 3*i, "KPP"))
	}
	if h.len() != 1 {
		t.Fatalf("%d logs for 3 drop events within 5 s, want 1", h.len())
	}
	now = now.Add(dropLogInterval)
	writeAll(f, script(video, audio, 9, "KPP"))
	if h.len() != 2 {
		t.Fatalf("%d logs after 5 s, want 2", h.len())
	}
	if got := h.attr(1, "reader").String(); got != "rtmp-0" {
		t.Errorf("log reader = %q", got)
	}
	if got := h.attr(1, "drop_events").Uint64(); got != 4 {
		t.Errorf("log drop_events = %d, want 4", got)
	}
	if s := r.Stats(); s.DropEvents != 4 {
		t.Errorf("stats = %+v, want 4 drop events", s)
	}
}

func TestWriteDoesNotAllocate(t *testing.T) {
	f := New(Options{Buffer: 8})
	defer f.Close()
	for i := range 3 {
		f.NewReader(fmt.Sprintf("reader-%d", i))
	}
	g := newGen(5)
	us := make([]*media.Unit, 100)
	for i := range us {
		us[i] = g.next()
	}
	f.Write(us[0]) // learns the tracks
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		f.Write(us[i%len(us)])
		i++
	})
	if allocs != 0 {
		t.Fatalf("Write allocates %v times per unit", allocs)
	}
}

func TestWriteIgnoresBadUnits(t *testing.T) {
	f := New(Options{})
	defer f.Close()
	r := f.NewReader("out")
	defer r.Close()
	f.Write(nil)
	f.Write(&media.Unit{Key: true})
	if s := r.Stats(); s != (ReaderStats{}) {
		t.Fatalf("stats = %+v, want none", s)
	}
}

// TestManyReadersConcurrently runs readers that keep up, slow readers and
// readers that come, reset and go, all while the writer writes.
func TestManyReadersConcurrently(t *testing.T) {
	const n, gop = 20000, 15
	f := New(Options{Buffer: 64})
	var wg sync.WaitGroup
	for i := range 16 {
		r := f.NewReader(fmt.Sprintf("reader-%d", i))
		slow := i%2 == 1
		wg.Go(func() {
			var us []*media.Unit
			ctx := context.Background()
			for {
				u, err := r.Read(ctx)
				if err != nil {
					if err != io.EOF {
						t.Errorf("%s: %v", r.name, err)
					}
					break
				}
				us = append(us, u)
				if slow && len(us)%50 == 0 {
					<-time.After(200 * time.Microsecond)
				}
				_ = r.Tracks()
			}
			checkDecodable(t, r.name, us)
			s := r.Stats()
			if s.Delivered+s.Dropped+s.Skipped != n {
				t.Errorf("%s: stats %+v do not account for %d units", r.name, s, n)
			}
		})
	}
	stop := make(chan struct{})
	for i := range 4 {
		wg.Go(func() { churn(t, f, fmt.Sprintf("churn-%d", i), stop) })
	}
	g := newGen(gop)
	for range n {
		f.Write(g.next())
	}
	close(stop)
	f.Close()
	wg.Wait()
}

// churn attaches readers, reads a little, resets and closes them until
// stop or the fanout's end.
func churn(t *testing.T, f *Fanout, name string, stop <-chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		select {
		case <-stop:
			return
		default:
		}
		r := f.NewReader(name)
		for range 3 {
			var us []*media.Unit
			for range 20 {
				u, err := r.Read(ctx)
				if err != nil {
					checkDecodable(t, name, us)
					r.Close()
					return
				}
				us = append(us, u)
			}
			checkDecodable(t, name, us)
			_ = r.Stats()
			r.Reset()
		}
		r.Close()
		r.Close()
	}
}
