package fanout

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// TestRingMatchesSlice runs random pushes, pops and clears against a slice.
func TestRingMatchesSlice(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	q := newRing(5)
	var model []*media.Unit
	for i := range 10000 {
		switch op := rnd.IntN(10); {
		case op < 5 && !q.full():
			u := &media.Unit{PTS: time.Duration(i)}
			q.push(u)
			model = append(model, u)
		case op < 9:
			u, ok := q.pop()
			if ok != (len(model) > 0) {
				t.Fatalf("step %d: pop ok = %v with %d units", i, ok, len(model))
			}
			if ok {
				if u != model[0] {
					t.Fatalf("step %d: pop = %v, want %v", i, u.PTS, model[0].PTS)
				}
				model = model[1:]
			}
		default:
			if n := q.clear(); n != len(model) {
				t.Fatalf("step %d: clear = %d, want %d", i, n, len(model))
			}
			model = nil
			for j, u := range q.buf {
				if u != nil {
					t.Fatalf("step %d: slot %d holds a unit after clear", i, j)
				}
			}
		}
		if q.len() != len(model) || q.full() != (len(model) == 5) {
			t.Fatalf("step %d: len %d full %v, want %d", i, q.len(), q.full(), len(model))
		}
	}
}
