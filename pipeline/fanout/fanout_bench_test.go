package fanout

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/roomcast/roomcast/pipeline/media"
)

// BenchmarkWrite10Readers measures Write with 10 readers that drain their
// rings in their own goroutines, and with 10 readers that never read (so
// every reader drops).
func BenchmarkWrite10Readers(b *testing.B) {
	for _, draining := range []bool{true, false} {
		name := "blocked"
		if draining {
			name = "draining"
		}
		b.Run(name, func(b *testing.B) {
			f := New(Options{})
			var wg sync.WaitGroup
			for i := range 10 {
				r := f.NewReader(fmt.Sprintf("reader-%d", i))
				if !draining {
					continue
				}
				wg.Go(func() {
					for {
						if _, err := r.Read(context.Background()); err != nil {
							return
						}
					}
				})
			}
			g := newGen(60)
			us := make([]*media.Unit, 1200) // 10 GOPs
			for i := range us {
				us[i] = g.next()
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				f.Write(us[i%len(us)])
			}
			b.StopTimer()
			f.Close()
			wg.Wait()
		})
	}
}
