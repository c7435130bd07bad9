package remux

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
)

// countingBody counts the bytes read from an object and whether it was
// closed.
type countingBody struct {
	r      io.Reader
	n      int
	closed bool
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func (c *countingBody) Close() error {
	c.closed = true
	return nil
}

// TestBuildReadsHeadsOnly checks that Build reads each media segment only
// up to its mdat header and closes every body.
func TestBuildReadsHeadsOnly(t *testing.T) {
	rec := avRecording(t)
	var mu sync.Mutex
	bodies := map[string]*countingBody{}
	fetch := func(_ context.Context, name string) (io.ReadCloser, error) {
		mu.Lock()
		defer mu.Unlock()
		b := &countingBody{r: bytes.NewReader(rec.objects[name])}
		bodies[name] = b
		return b, nil
	}
	if _, err := Build(t.Context(), rec.segs, fetch); err != nil {
		t.Fatal(err)
	}
	for name, b := range bodies {
		if !b.closed {
			t.Errorf("%s not closed", name)
		}
		if !strings.HasPrefix(name, "seg") {
			continue
		}
		seg := rec.objects[name]
		if head := bytes.Index(seg, []byte("mdat")) + 4; b.n != head {
			t.Errorf("%s: read %d bytes, want the %d up to the mdat header (of %d)", name, b.n, head, len(seg))
		}
	}
	if len(bodies) != len(rec.segs)+1 {
		t.Errorf("%d objects fetched, want %d segments and one init", len(bodies), len(rec.segs))
	}
}
