package room

import (
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/testutil"
)

// recordingWriter records the sequence numbers written, in order. gate,
// when set, runs before each write is recorded (to block or slow it).
type recordingWriter struct {
	gate func(seq uint16)
	mu   sync.Mutex
	seqs []uint16
}

func (w *recordingWriter) WriteRTP(p *rtp.Packet) error {
	if w.gate != nil {
		w.gate(p.SequenceNumber)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seqs = append(w.seqs, p.SequenceNumber)
	return nil
}

func (w *recordingWriter) written() []uint16 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.seqs)
}

// testDownTrack binds a subscriber-track writing to out to a bare track.
func testDownTrack(src *publishedTrack, out rtpWriter) *downTrack {
	src.env.srPeriod = time.Hour
	return newDownTrackTo(src, out, &countingRTCP{}, src.log)
}

// startRun runs d's goroutine until the test ends.
func startRun(t *testing.T, d *downTrack) {
	var wg sync.WaitGroup
	wg.Go(d.run)
	t.Cleanup(func() {
		d.close()
		wg.Wait()
	})
}

func checkInOrder(t *testing.T, got []uint16, want int) {
	t.Helper()
	if len(got) != want {
		t.Fatalf("%d packets written, want %d", len(got), want)
	}
	for i, seq := range got {
		if seq != uint16(i) {
			t.Fatalf("packet %d has seq %d: %v", i, seq, got[max(0, i-3):min(len(got), i+3)])
		}
	}
}

// TestDownTrackInlineKeepsOrder: packets pushed while the queue of pending
// packets drains on the track's goroutine never overtake a queued one, and
// once the queue is empty the publisher writes inline.
func TestDownTrackInlineKeepsOrder(t *testing.T) {
	w := &recordingWriter{}
	d := testDownTrack(newBareTrack(media.CodecOpus), w)
	now := time.Now()
	const pending, live = 300, 1000
	var seeded []fwdPacket
	for i := range pending {
		seeded = append(seeded, pkt(uint16(i), 0, true, now))
	}
	d.seed(seeded)
	startRun(t, d)
	d.markActive()
	for i := pending; i < pending+live; i++ {
		d.push(pkt(uint16(i), 0, true, now))
	}
	testutil.Eventually(t, 5*time.Second, "all packets written", func() bool { return len(w.written()) == pending+live })
	checkInOrder(t, w.written(), pending+live)
	d.push(pkt(pending+live, 0, true, now))
	if got := w.written(); len(got) != pending+live+1 {
		t.Fatalf("push on an empty active queue did not write inline: %d written", len(got))
	}
	if n := d.dropped.Load(); n != 0 {
		t.Fatalf("%d dropped", n)
	}
}

// TestDownTrackBlockedWriterQueues: while a write hangs, the publisher's
// pushes queue and return; the overflow is counted and asks for a
// keyframe, and the queue then drains in order.
func TestDownTrackBlockedWriterQueues(t *testing.T) {
	release, hanging := make(chan struct{}), make(chan struct{})
	w := &recordingWriter{gate: func(seq uint16) {
		if seq == 0 {
			close(hanging)
			<-release
		}
	}}
	pli := &countingRTCP{}
	src := newBareTrack(media.CodecVP8)
	src.pli, src.env.pliThrottle = pli, time.Hour
	d := testDownTrack(src, w)
	now := time.Now()
	d.seed([]fwdPacket{pkt(0, 0, true, now)})
	startRun(t, d)
	d.markActive()
	// The pushes start once the write of seq 0 hangs (seq 0 has left the
	// queue): on a loaded machine they could otherwise find it still
	// queued, and drop one more.
	select {
	case <-hanging:
	case <-time.After(10 * time.Second):
		t.Fatal("the seeded packet was never written")
	}
	const extra = 100
	total := pendingQueueLimit + extra + 1
	pushed := make(chan struct{})
	go func() {
		defer close(pushed)
		for i := 1; i < total; i++ {
			d.push(pkt(uint16(i), 0, true, now))
		}
	}()
	select {
	case <-pushed:
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("the publisher blocked on a hanging subscriber write")
	}
	if n := d.dropped.Load(); n != extra {
		t.Errorf("dropped = %d, want %d", n, extra)
	}
	if n := pli.plis.Load(); n < 1 {
		t.Errorf("no keyframe request on overflow")
	}
	close(release)
	want := total - extra
	testutil.Eventually(t, 5*time.Second, "queue drained", func() bool { return len(w.written()) == want })
	got := w.written()
	if got[0] != 0 || got[1] != extra+1 || got[len(got)-1] != uint16(total-1) {
		t.Fatalf("written %v … %v", got[:3], got[len(got)-3:])
	}
	for i := 2; i < len(got); i++ {
		if got[i] != got[i-1]+1 {
			t.Fatalf("out of order at %d: %v", i, got[i-1:i+1])
		}
	}
}

// TestDownTrackSlowInlineWrite: after an inline write slower than
// slowWrite the track queues for slowPause, and inline writing resumes
// only once its queue is empty. The track's goroutine is not running, so
// a packet written is a packet written inline.
func TestDownTrackSlowInlineWrite(t *testing.T) {
	var clock atomic.Int64
	clock.Store(nowForTests().UnixNano())
	w := &recordingWriter{gate: func(seq uint16) {
		if seq == 0 {
			clock.Add(int64(2 * slowWrite))
		}
	}}
	src := newBareTrack(media.CodecOpus)
	src.env.now = func() time.Time { return time.Unix(0, clock.Load()) }
	d := testDownTrack(src, w)
	d.active = true
	now := time.Now()
	d.push(pkt(0, 0, true, now))
	d.push(pkt(1, 0, true, now))
	if got, n := w.written(), d.queue.len(); len(got) != 1 || n != 1 {
		t.Fatalf("after a slow write: written %v, queued %d", got, n)
	}
	clock.Add(int64(slowPause))
	d.push(pkt(2, 0, true, now))
	if n := d.queue.len(); n != 2 {
		t.Fatalf("a packet overtook the queue: queued %d", n)
	}
	d.drain()
	d.push(pkt(3, 0, true, now))
	checkInOrder(t, w.written(), 4)
	d.close()
	d.push(pkt(4, 0, true, now))
	if got, n := w.written(), d.queue.len(); len(got) != 4 || n != 0 {
		t.Fatalf("after close: written %v, queued %d", got, n)
	}
}

// discardWriter counts the packets written.
type discardWriter struct{ n atomic.Int64 }

func (w *discardWriter) WriteRTP(*rtp.Packet) error {
	w.n.Add(1)
	return nil
}

// BenchmarkForwardNineSubscribers forwards packets to the 9 subscribers of
// a track in a room of 10, inline (the steady path) and through each
// subscriber's queue and goroutine (the path of a slow subscriber, and
// every packet's path before the inline writes). cpu-ns/op counts every
// thread of the process, the subscribers' goroutines included. The queued
// path drops what its queues cannot hold (dropped/write), which flatters
// it.
func BenchmarkForwardNineSubscribers(b *testing.B) {
	for _, queued := range []bool{false, true} {
		b.Run(map[bool]string{false: "inline", true: "queued"}[queued], func(b *testing.B) {
			src := newBareTrack(media.CodecOpus)
			w := &discardWriter{}
			var downs []*downTrack
			for range 9 {
				d := testDownTrack(src, w)
				if queued { // as after a slow write, for good
					d.slowUntil = 1 << 62
				}
				src.attach(d)
				var wg sync.WaitGroup
				wg.Go(d.run)
				b.Cleanup(func() {
					d.close()
					wg.Wait()
				})
				d.markActive()
				downs = append(downs, d)
			}
			p := pkt(0, 0, true, time.Now())
			b.ResetTimer()
			cpu0 := processCPU()
			for range b.N {
				src.forward(p)
			}
			for !allDrained(downs) {
				time.Sleep(time.Millisecond)
			}
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(9*b.N-int(w.n.Load()))/float64(9*b.N), "dropped/write")
		})
	}
}

func allDrained(downs []*downTrack) bool {
	for _, d := range downs {
		d.mu.Lock()
		n, busy := d.queue.len(), d.writing
		d.mu.Unlock()
		if n > 0 || busy {
			return false
		}
	}
	return true
}

// processCPU is the CPU (user + system) this process has used, in ns.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
