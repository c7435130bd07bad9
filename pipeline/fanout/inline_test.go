package fanout

import (
	"strings"
	"testing"

	"github.com/roomcast/roomcast/pipeline/media"
)

// signalled reports whether the fanout's Inline channel holds a signal,
// taking it.
func signalled(r *Reader) bool {
	select {
	case <-r.Inline():
		return true
	default:
		return false
	}
}

// TestInline: an inline reader is not woken, the fanout's Inline channel
// is signalled instead, TryReadBatch takes what is ready without waiting,
// and the reader's end signals too; switching back, Read finds what came
// meanwhile.
func TestInline(t *testing.T) {
	v, a := testTracks()
	f := New(Options{Tracks: []*media.Track{v, a}})
	r := f.NewReader("inline")
	r.SetInline(true)
	dst := make([]*media.Unit, 4)
	if n, end := r.TryReadBatch(dst); n != 0 || end || signalled(r) {
		t.Fatalf("nothing written: %d units, end %v", n, end)
	}
	writeAll(f, script(v, a, 0, "K A P"))
	if !signalled(r) {
		t.Fatal("Write did not signal the Inline channel")
	}
	select {
	case <-r.wake:
		t.Fatal("an inline reader's own wake-up was signalled")
	default:
	}
	if n, end := r.TryReadBatch(dst); labels(dst[:n]) != "K0 A1 P2" || end {
		t.Fatalf("TryReadBatch %q, end %v; want K0 A1 P2", labels(dst[:n]), end)
	}
	r.SetInline(false)
	writeAll(f, script(v, a, 3, "A"))
	if signalled(r) {
		t.Error("a reader no longer inline signalled the Inline channel")
	}
	if n, end := r.TryReadBatch(dst); labels(dst[:n]) != "A3" || end {
		t.Fatalf("after SetInline(false): %q, end %v", labels(dst[:n]), end)
	}
	r.SetInline(true)
	writeAll(f, script(v, a, 4, "P"))
	f.Close()
	if !signalled(r) {
		t.Fatal("the end did not signal the Inline channel")
	}
	if n, end := r.TryReadBatch(dst); labels(dst[:n]) != "P4" || !end {
		t.Fatalf("at the end: %q, end %v; want P4 and the end", labels(dst[:n]), end)
	}
	r.KickInline()
	if !signalled(r) {
		t.Error("KickInline did not signal")
	}
}

// TestInlineServer: with a server set, Write calls it in the writer's
// goroutine instead of signalling the Inline channel; the end still
// signals; without the server Write signals again.
func TestInlineServer(t *testing.T) {
	v, a := testTracks()
	f := New(Options{Tracks: []*media.Track{v, a}})
	r := f.NewReader("inline")
	dst := make([]*media.Unit, 4)
	var served []string
	r.SetInlineServer(func() {
		n, _ := r.TryReadBatch(dst)
		served = append(served, labels(dst[:n]))
	})
	writeAll(f, script(v, a, 0, "K"))
	if len(served) != 0 {
		t.Fatalf("served %q for a reader not inline", served)
	}
	r.TryReadBatch(dst)
	r.SetInline(true)
	writeAll(f, script(v, a, 1, "A P"))
	if got := strings.Join(served, ","); got != "A1,P2" || signalled(r) {
		t.Fatalf("served %q, signalled %v; want A1,P2 served as written and no signal", got, signalled(r))
	}
	r.SetInlineServer(nil)
	writeAll(f, script(v, a, 3, "A"))
	if len(served) != 2 || !signalled(r) {
		t.Fatalf("after SetInlineServer(nil): served %q, want the Inline channel signalled", served)
	}
	f.Close()
	if !signalled(r) {
		t.Fatal("the end did not signal the Inline channel")
	}
}
