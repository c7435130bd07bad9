package fanout

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

func TestCloseDrainsThenEOF(t *testing.T) {
	video, audio := testTracks()
	f := New(Options{})
	r := f.NewReader("out")
	writeAll(f, script(video, audio, 0, "KPA"))
	f.Close()
	f.Close() // idempotent
	f.Write(script(video, audio, 3, "P")[0])
	got, err := readAll(r)
	if !errors.Is(err, io.EOF) || labels(got) != "K0 P1 A2" {
		t.Fatalf("read %q then %v, want K0 P1 A2 then EOF", labels(got), err)
	}
	if _, err := r.Read(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("Read after EOF = %v", err)
	}
	r.Close()
	if _, err := r.Read(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close = %v, want ErrClosed", err)
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	f := New(Options{})
	r := f.NewReader("out")
	errc := make(chan error, 1)
	go func() {
		_, err := r.Read(context.Background())
		errc <- err
	}()
	f.Close()
	if err := <-errc; !errors.Is(err, io.EOF) {
		t.Fatalf("pending Read returned %v, want EOF", err)
	}
}

func TestReaderClose(t *testing.T) {
	video, audio := testTracks()
	f := New(Options{})
	defer f.Close()
	r := f.NewReader("gone")
	other := f.NewReader("stays")
	writeAll(f, script(video, audio, 0, "KP"))

	errc := make(chan error, 1)
	idle := f.NewReader("idle")
	go func() {
		_, err := idle.Read(context.Background())
		errc <- err
	}()
	idle.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("pending Read returned %v, want ErrClosed", err)
	}

	r.Close()
	r.Close() // idempotent
	if _, err := r.Read(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close = %v, want ErrClosed", err)
	}
	if s := r.Stats(); s.Buffered != 0 {
		t.Fatalf("closed reader still buffers %d units", s.Buffered)
	}
	if got := len(*f.readers.Load()); got != 1 {
		t.Fatalf("%d readers attached, want 1", got)
	}
	writeAll(f, script(video, audio, 2, "A"))
	r.Reset() // harmless after Close
	if got := labels(readN(t, other, 3)); got != "K0 P1 A2" {
		t.Fatalf("other reader read %q", got)
	}
}

func TestNewReaderAfterClose(t *testing.T) {
	f := New(Options{})
	f.Close()
	r := f.NewReader("late")
	if _, err := r.Read(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("Read = %v, want EOF", err)
	}
	r.Close()
}

func TestReadContext(t *testing.T) {
	video, audio := testTracks()
	f := New(Options{})
	defer f.Close()
	r := f.NewReader("out")
	defer r.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := r.Read(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read = %v, want DeadlineExceeded", err)
	}
	// A canceled context wins over buffered units.
	writeAll(f, script(video, audio, 0, "K"))
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := r.Read(canceled); !errors.Is(err, context.Canceled) {
		t.Fatalf("Read = %v, want Canceled", err)
	}
	// The unit is still there, and a stale wake-up does no harm.
	if got := labels(readN(t, r, 1)); got != "K0" {
		t.Fatalf("read %q, want K0", got)
	}
}
