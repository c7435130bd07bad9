package source

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtpclock"
	"github.com/roomcast/roomcast/test/testutil"
)

// trFake is a remote track fed by the test: RTP and RTCP channels (closing
// one ends its stream with io.EOF) and a record of the RTCP written back.
type trFake struct {
	rtp  chan *rtp.Packet
	rtcp chan []rtcp.Packet

	mu   sync.Mutex
	plis []*rtcp.PictureLossIndication
}

func newTRFake() *trFake {
	return &trFake{rtp: make(chan *rtp.Packet, 64), rtcp: make(chan []rtcp.Packet, 8)}
}

func (f *trFake) ReadRTP() (*rtp.Packet, interceptor.Attributes, error) {
	p, ok := <-f.rtp
	if !ok {
		return nil, nil, io.EOF
	}
	return p, nil, nil
}

func (f *trFake) ReadRTCP() ([]rtcp.Packet, interceptor.Attributes, error) {
	p, ok := <-f.rtcp
	if !ok {
		return nil, nil, io.ErrClosedPipe
	}
	return p, nil, nil
}

func (f *trFake) writeRTCP(pkts []rtcp.Packet) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range pkts {
		if pli, ok := p.(*rtcp.PictureLossIndication); ok {
			f.plis = append(f.plis, pli)
		}
	}
	return nil
}

func (f *trFake) pliCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.plis)
}

// trRecorder is a Handler that records what it is given.
type trRecorder struct {
	mu     sync.Mutex
	events []string
	units  []*media.Unit
}

func (h *trRecorder) TrackAdded(t *media.Track) { h.event("added " + t.ID) }
func (h *trRecorder) TrackRemoved(t *media.Track) {
	h.event("removed " + t.ID)
}

func (h *trRecorder) Unit(u *media.Unit) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.units = append(h.units, u)
	h.events = append(h.events, "unit")
}

func (h *trRecorder) event(e string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, e)
}

func (h *trRecorder) snapshot() ([]string, []*media.Unit) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.events...), append([]*media.Unit(nil), h.units...)
}

// trHarness runs one trackReader over a trFake.
type trHarness struct {
	fake   *trFake
	rec    *trRecorder
	reader *trackReader
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

const trSSRC = 0x1234

func startTR(t *testing.T, codec media.Codec) *trHarness {
	t.Helper()
	rec := &trRecorder{}
	return startTRWith(t, codec, rec, rec)
}

// startTRWith is startTR with a Handler of the test's that records in rec.
func startTRWith(t *testing.T, codec media.Codec, rec *trRecorder, handler Handler) *trHarness {
	t.Helper()
	h := &trHarness{fake: newTRFake(), rec: rec}
	track := media.Track{ID: "t1", Kind: codec.Kind(), Codec: codec, ClockRate: codec.ClockRate(), ParticipantID: "p1"}
	env := readerEnv{
		handler:   handler,
		log:       slog.New(slog.DiscardHandler),
		common:    &rtpclock.Common{},
		latency:   50 * time.Millisecond,
		writeRTCP: h.fake.writeRTCP,
		spawn: func(f func()) {
			h.wg.Add(1)
			go func() { defer h.wg.Done(); f() }()
		},
		now: time.Now,
	}
	r, err := newTrackReader(track, trSSRC, h.fake, h.fake, env)
	if err != nil {
		t.Fatal(err)
	}
	h.reader = r
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	env.spawn(func() { r.run(ctx) })
	return h
}

// stop ends the streams and waits for every goroutine.
func (h *trHarness) stop() {
	close(h.fake.rtp)
	close(h.fake.rtcp)
	h.wg.Wait()
	h.cancel()
}

func (h *trHarness) sr(at time.Time, ts uint32) {
	h.fake.rtcp <- []rtcp.Packet{&rtcp.SenderReport{SSRC: trSSRC, NTPTime: ntpOf(at), RTPTime: ts}}
}

// trVP8 returns the RTP packets of one VP8 frame (RFC 7741 descriptor with
// a 15-bit PictureID, RFC 6386 frame tag) split in n packets.
func trVP8(seq uint16, ts uint32, pictureID uint16, key bool, n int) []*rtp.Packet {
	frame := []byte{0x10 | 4<<5, 0, 0} // show_frame, first partition 4 bytes
	if key {
		frame = append(frame, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00) // 320x240
	} else {
		frame[0] |= 1 // inter frame
	}
	frame = append(frame, make([]byte, 4+8*n)...)
	var pkts []*rtp.Packet
	chunk := (len(frame) + n - 1) / n
	for i := 0; i < n; i++ {
		desc := []byte{0x80, 0x80, 0x80 | byte(pictureID>>8&0x7f), byte(pictureID)}
		if i == 0 {
			desc[0] |= 0x10 // S, partition 0
		}
		data := frame[i*chunk : min((i+1)*chunk, len(frame))]
		pkts = append(pkts, &rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq + uint16(i), Timestamp: ts, SSRC: trSSRC, Marker: i == n-1},
			Payload: append(desc, data...),
		})
	}
	return pkts
}

func trOpus(seq uint16, ts uint32) *rtp.Packet {
	payload := append([]byte{31 << 3}, make([]byte, 40)...) // CELT FB 20 ms, one frame
	return &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: ts, SSRC: trSSRC}, Payload: payload}
}

func (h *trHarness) send(pkts ...*rtp.Packet) {
	for _, p := range pkts {
		h.fake.rtp <- p
	}
}

func TestTrackReaderVideoLoss(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h := startTR(t, media.CodecVP8)
	t0 := time.Unix(1_700_000_000, 0)
	h.sr(t0, 0)
	testutil.Eventually(t, 5*time.Second, "the PLI at start", func() bool { return h.fake.pliCount() == 1 })

	h.send(trVP8(1, 0, 1, true, 3)...)     // seq 1-3, key
	h.send(trVP8(4, 3000, 2, false, 1)...) // seq 4
	lost := trVP8(5, 6000, 3, false, 2)    // seq 5 is lost
	h.send(lost[1])
	h.send(trVP8(7, 9000, 4, false, 1)...) // after the loss: dropped
	// The gap is skipped after the latency; the PLI is re-sent while no
	// keyframe comes.
	testutil.Eventually(t, 5*time.Second, "a PLI re-sent while waiting for a keyframe", func() bool { return h.fake.pliCount() >= 2 })
	h.send(trVP8(8, 12000, 5, true, 2)...)
	h.send(trVP8(10, 15000, 6, false, 1)...)
	testutil.Eventually(t, 5*time.Second, "4 units", func() bool { _, u := h.rec.snapshot(); return len(u) == 4 })
	plis := h.fake.pliCount()
	h.stop()

	events, units := h.rec.snapshot()
	if events[0] != "added t1" || events[len(events)-1] != "removed t1" {
		t.Fatalf("events %v: want added first and removed last", events)
	}
	want := []struct {
		pts time.Duration
		key bool
	}{{0, true}, {33333333, false}, {133333333, true}, {166666666, false}}
	for i, u := range units {
		if u.PTS != want[i].pts || u.DTS != u.PTS || u.Key != want[i].key || u.Track.ID != "t1" {
			t.Errorf("unit %d: pts %v dts %v key %v, want pts %v key %v", i, u.PTS, u.DTS, u.Key, want[i].pts, want[i].key)
		}
	}
	st := h.reader.stats.snapshot(h.reader.track)
	if st.Packets != 9 || st.Lost != 1 || st.Frames != 4 || st.Keyframes != 2 || st.DroppedFrames != 1 || st.PLIsSent != uint64(plis) || st.Active {
		t.Fatalf("stats %+v", st)
	}
	for _, p := range h.fake.plis {
		if p.MediaSSRC != trSSRC {
			t.Fatalf("PLI for SSRC %#x, want %#x", p.MediaSSRC, trSSRC)
		}
	}
}

// TestTrackReaderHoldsForSR checks that frames wait for the first sender
// report and are then timed by it.
func TestTrackReaderHoldsForSR(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h := startTR(t, media.CodecOpus)
	for i := range 5 {
		h.send(trOpus(uint16(100+i), uint32(960*i)))
	}
	testutil.Eventually(t, 5*time.Second, "5 packets", func() bool { return h.reader.stats.packets.Load() == 5 })
	if _, u := h.rec.snapshot(); len(u) != 0 {
		t.Fatalf("%d units before any sender report", len(u))
	}
	h.sr(time.Unix(1_700_000_000, 0), 1920) // packet 2 is at the SR's instant
	testutil.Eventually(t, 5*time.Second, "5 units", func() bool { _, u := h.rec.snapshot(); return len(u) == 5 })
	h.stop()
	_, units := h.rec.snapshot()
	for i, u := range units {
		if want := time.Duration(i) * 20 * time.Millisecond; u.PTS != want || !u.Key {
			t.Errorf("unit %d: pts %v key %v, want %v key", i, u.PTS, u.Key, want)
		}
	}
	if p := h.fake.pliCount(); p != 0 {
		t.Fatalf("%d PLIs for audio", p)
	}
}

// TestTrackReaderFallback checks the arrival-time fallback when no sender
// report comes within maxHold.
func TestTrackReaderFallback(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h := startTR(t, media.CodecOpus)
	start := time.Now()
	h.send(trOpus(1, 5000), trOpus(2, 5960), trOpus(3, 6920))
	testutil.Eventually(t, 5*time.Second, "3 units", func() bool { _, u := h.rec.snapshot(); return len(u) == 3 })
	if waited := time.Since(start); waited < maxHold {
		t.Fatalf("units after %v, want them held for %v", waited, maxHold)
	}
	h.send(trOpus(4, 7880))
	testutil.Eventually(t, 5*time.Second, "4 units", func() bool { _, u := h.rec.snapshot(); return len(u) == 4 })
	h.stop()
	_, units := h.rec.snapshot()
	for i, u := range units {
		if want := time.Duration(i) * 20 * time.Millisecond; u.PTS != want {
			t.Errorf("unit %d: pts %v, want %v", i, u.PTS, want)
		}
	}
}

// TestTrackReaderMalformed checks that bad payloads are counted and do not
// stop the track, and that Flush delivers what is left at the end.
func TestTrackReaderMalformed(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h := startTR(t, media.CodecOpus)
	h.sr(time.Unix(1_700_000_000, 0), 0)
	bad := trOpus(2, 960)
	bad.Payload = []byte{31<<3 | 3} // code 3 without its frame count
	h.send(trOpus(1, 0), bad, trOpus(3, 1920))
	testutil.Eventually(t, 5*time.Second, "2 units", func() bool { _, u := h.rec.snapshot(); return len(u) == 2 })
	h.stop()
	st := h.reader.stats.snapshot(h.reader.track)
	if st.Malformed != 1 || st.Frames != 2 || st.Packets != 3 {
		t.Fatalf("stats %+v", st)
	}
}

// TestTrackReaderTimestampJump checks that a frame whose timestamp jumped
// is dropped and counted, and that the frames after it keep their PTS.
func TestTrackReaderTimestampJump(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h := startTR(t, media.CodecOpus)
	h.sr(time.Unix(1_700_000_000, 0), 0)
	h.send(trOpus(1, 0), trOpus(2, 960), trOpus(3, 1920), trOpus(4, 2880+3600*48000), trOpus(5, 3840), trOpus(6, 4800))
	testutil.Eventually(t, 5*time.Second, "5 units", func() bool { _, u := h.rec.snapshot(); return len(u) == 5 })
	h.stop()
	_, units := h.rec.snapshot()
	for i, want := range []time.Duration{0, 20, 40, 80, 100} {
		if units[i].PTS != want*time.Millisecond {
			t.Errorf("unit %d: pts %v, want %v", i, units[i].PTS, want*time.Millisecond)
		}
	}
	st := h.reader.stats.snapshot(h.reader.track)
	if st.BadTimestamps != 1 || st.Frames != 5 || st.Packets != 6 {
		t.Fatalf("stats %+v", st)
	}
}

// TestTrackReaderLeave checks that a track the server stopped announcing
// is still read until its stream closes, or leaveGrace.
func TestTrackReaderLeave(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h := startTR(t, media.CodecOpus)
	h.sr(time.Unix(1_700_000_000, 0), 0)
	h.send(trOpus(1, 0))
	testutil.Eventually(t, 5*time.Second, "1 unit", func() bool { _, u := h.rec.snapshot(); return len(u) == 1 })
	h.reader.leave()
	h.reader.leave() // idempotent
	h.send(trOpus(2, 960), trOpus(3, 1920))
	testutil.Eventually(t, 5*time.Second, "the packets in flight", func() bool { _, u := h.rec.snapshot(); return len(u) == 3 })
	start := time.Now()
	testutil.Eventually(t, 5*time.Second, "the track removed after the grace", func() bool {
		e, _ := h.rec.snapshot()
		return e[len(e)-1] == "removed t1"
	})
	if d := time.Since(start); d > leaveGrace+time.Second {
		t.Fatalf("removed after %v, want about %v", d, leaveGrace)
	}
	h.stop()
}

// TestTrackReaderCancel checks that the end of ctx ends the track at once,
// flushing what it holds, while its stream is still open; the reading
// goroutine stops at the stream's close.
func TestTrackReaderCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h := startTR(t, media.CodecOpus)
	h.sr(time.Unix(1_700_000_000, 0), 0)
	h.send(trOpus(1, 0), trOpus(3, 1920)) // 3 waits for 2 in the jitter buffer
	testutil.Eventually(t, 5*time.Second, "1 unit", func() bool { _, u := h.rec.snapshot(); return len(u) == 1 })
	h.cancel()
	testutil.Eventually(t, 5*time.Second, "the track removed", func() bool {
		e, _ := h.rec.snapshot()
		return e[len(e)-1] == "removed t1"
	})
	h.send(trOpus(4, 2880)) // read and dropped: the track has ended
	h.stop()
	events, units := h.rec.snapshot()
	if len(units) != 2 || events[len(events)-1] != "removed t1" {
		t.Fatalf("events %v: want the held unit flushed before the removal, nothing after", events)
	}
}

// lockingRecorder is a trRecorder whose Unit takes a lock of the caller,
// as a Handler that calls back into the Ingest (RequestKeyframe) takes
// the Ingest's.
type lockingRecorder struct {
	trRecorder
	mu *sync.Mutex
}

func (h *lockingRecorder) Unit(u *media.Unit) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.trRecorder.Unit(u)
}

// TestTrackReaderLeaveUnderHandlerLock checks that leave, called with a
// lock held that the Handler takes in Unit (the Ingest calls it with its
// own lock held), does not wait for the track's work: no deadlock.
func TestTrackReaderLeaveUnderHandlerLock(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var shared sync.Mutex
	rec := &lockingRecorder{mu: &shared}
	h := startTRWith(t, media.CodecOpus, &rec.trRecorder, rec)
	h.sr(time.Unix(1_700_000_000, 0), 0)
	shared.Lock()
	h.send(trOpus(1, 0)) // its Unit waits for shared
	testutil.Eventually(t, 5*time.Second, "the packet read", func() bool { return h.reader.stats.packets.Load() == 1 })
	left := make(chan struct{})
	go func() {
		h.reader.leave()
		close(left)
	}()
	select {
	case <-left:
	case <-time.After(5 * time.Second):
		t.Fatal("leave waited for the Handler")
	}
	shared.Unlock()
	testutil.Eventually(t, 5*time.Second, "the unit", func() bool { _, u := rec.snapshot(); return len(u) == 1 })
	h.stop()
}

// ntpOf is t as a 64-bit NTP timestamp (RFC 5905 section 6), for building
// sender reports; rtpclock's tests have its twin next to the decoder.
func ntpOf(t time.Time) uint64 {
	secs := uint64(t.Unix() + 2208988800) // 1900-01-01 to 1970-01-01
	frac := (uint64(t.Nanosecond())<<32 + uint64(time.Second)/2) / uint64(time.Second)
	return secs<<32 | frac
}
