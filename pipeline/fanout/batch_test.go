package fanout

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// TestReadBatch: ReadBatch takes every unit ready (up to the room in dst)
// in order, then blocks for the next, and ends like Read.
func TestReadBatch(t *testing.T) {
	v, a := testTracks()
	f := New(Options{Tracks: []*media.Track{v, a}})
	r := f.NewReader("batch")
	writeAll(f, script(v, a, 0, "P K A P A P"))
	dst := make([]*media.Unit, 3)
	ctx := context.Background()
	n, err := r.ReadBatch(ctx, dst)
	if err != nil || labels(dst[:n]) != "K1 A2 P3" {
		t.Fatalf("first batch %q, %v; want K1 A2 P3", labels(dst[:n]), err)
	}
	n, err = r.ReadBatch(ctx, dst)
	if err != nil || labels(dst[:n]) != "A4 P5" {
		t.Fatalf("second batch %q, %v; want A4 P5", labels(dst[:n]), err)
	}
	if st := r.Stats(); st.Delivered != 5 || st.Buffered != 0 {
		t.Errorf("stats %+v", st)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := r.ReadBatch(short, dst); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("empty ring: %v, want the context's error", err)
	}
	writeAll(f, script(v, a, 6, "A"))
	f.Close()
	n, err = r.ReadBatch(ctx, dst)
	if err != nil || labels(dst[:n]) != "A6" {
		t.Fatalf("after Close %q, %v; want A6", labels(dst[:n]), err)
	}
	if _, err := r.ReadBatch(ctx, dst); err != io.EOF {
		t.Errorf("at the end: %v, want io.EOF", err)
	}
}

// TestShared: every reader of a fanout gets the same value per key, made
// once; another fanout has its own.
func TestShared(t *testing.T) {
	type key struct{}
	made := 0
	mk := func() any { made++; return new(int) }
	f, g := New(Options{}), New(Options{})
	a, b := f.NewReader("a"), f.NewReader("b")
	if a.Shared(key{}, mk) != b.Shared(key{}, mk) || made != 1 {
		t.Fatalf("readers of one fanout: made %d values", made)
	}
	if g.NewReader("c").Shared(key{}, mk) == a.Shared(key{}, mk) || made != 2 {
		t.Errorf("another fanout shares the value (made %d)", made)
	}
	f.Close()
	g.Close()
}

// TestCoalesceAudio: a waiting CoalesceAudio reader of a stream with video
// wakes for a video unit, or for the third audio unit in a row, and then
// reads the audio that piled up with it; a plain reader wakes for each.
func TestCoalesceAudio(t *testing.T) {
	v, a := testTracks()
	f := New(Options{Tracks: []*media.Track{v, a}})
	r, plain := f.NewReader("coalesced"), f.NewReader("plain")
	r.CoalesceAudio()
	ctx := context.Background()
	dst := make([]*media.Unit, 8)
	writeAll(f, script(v, a, 0, "K"))
	for _, rd := range []*Reader{r, plain} {
		if n, err := rd.ReadBatch(ctx, dst); err != nil || labels(dst[:n]) != "K0" {
			t.Fatalf("%s: first batch %q, %v", rd.name, labels(dst[:n]), err)
		}
	}
	// Both wait; then audio, audio, video arrive.
	got := make(chan string, 4)
	read := func(rd *Reader) {
		n, err := rd.ReadBatch(ctx, dst[:4])
		if err != nil {
			got <- err.Error()
			return
		}
		got <- labels(dst[:n])
	}
	go read(r)
	waitWaiting(t, r)
	writeAll(f, script(v, a, 1, "A A"))
	select {
	case b := <-got:
		t.Fatalf("the coalescing reader woke for two audio units: %q", b)
	case <-time.After(50 * time.Millisecond):
	}
	writeAll(f, script(v, a, 3, "P"))
	if b := <-got; b != "A1 A2 P3" {
		t.Fatalf("coalesced batch %q, want A1 A2 P3", b)
	}
	if n, err := plain.ReadBatch(ctx, dst); err != nil || labels(dst[:n]) != "A1 A2 P3" {
		t.Fatalf("plain reader %q, %v", labels(dst[:n]), err)
	}
	// Video stalls: the third audio unit in a row wakes the reader.
	go read(r)
	waitWaiting(t, r)
	writeAll(f, script(v, a, 4, "A A A"))
	if b := <-got; b != "A4 A5 A6" {
		t.Fatalf("audio-only batch %q, want A4 A5 A6", b)
	}
	f.Close()
}

// waitWaiting waits until r's Read waits for a wake-up.
func waitWaiting(t *testing.T, r *Reader) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.mu.Lock()
		w := r.waiting
		r.mu.Unlock()
		if w {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the reader never waited")
		}
		time.Sleep(time.Millisecond)
	}
}
