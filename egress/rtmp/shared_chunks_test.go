package rtmp

import (
	"bytes"
	"context"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/fanout"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/nginxrtmp"
	"github.com/roomcast/roomcast/test/testutil"
	"github.com/yapingcat/gomedia/go-flv"
)

// muxAll runs units through a fresh muxer on chunks and returns the
// batch of each unit's messages written for a connection with stream ID
// sid and chunkSize, in wire bytes, plus the pieces of the last batch.
func muxAll(t *testing.T, f *fixture, chunks *SharedChunks, sid uint32, chunkSize int, tsOffset uint32) (wire []byte, pieces [][][]byte) {
	t.Helper()
	m := newMuxer([]*media.Track{f.video, f.audio}, sid, chunks, nil)
	m.tsOffset = tsOffset
	var b batch
	for _, u := range f.units {
		for _, msg := range m.messages(u) {
			if err := b.add(msg, chunkSize); err != nil {
				t.Fatal(err)
			}
		}
		var unit [][]byte
		for _, p := range b.iov {
			wire = append(wire, p...)
			unit = append(unit, p)
		}
		pieces = append(pieces, unit)
		b.iov = b.iov[:0] // keep the pieces alive: no reset of the buffers
		b.hdr, b.own = nil, nil
	}
	return wire, pieces
}

// readAll parses a connection's bytes back into messages.
func readAll(t *testing.T, wire []byte, chunkSize int) []message {
	t.Helper()
	rd := newChunkReader(bytes.NewReader(wire))
	rd.chunkSize = chunkSize
	var out []message
	for {
		m, err := rd.next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("message %d: %v", len(out), err)
		}
		m.payload = bytes.Clone(m.payload)
		out = append(out, m)
	}
}

// TestSharedChunksSameBytes: two connections with different stream IDs
// hand the kernel the very same chunk bytes for every unit (one encoding
// per unit), and both carry the messages an unshared serialisation
// (appendChunks of the payload) gives; a connection with an extended
// timestamp or another chunk size serialises the same payloads itself.
func TestSharedChunksSameBytes(t *testing.T) {
	f := loadFixture(t)
	chunks := NewSharedChunks(len(f.units))
	wireA, piecesA := muxAll(t, f, chunks, 1, outChunkSize, 0)
	wireB, piecesB := muxAll(t, f, chunks, 7, outChunkSize, 0)
	if n := chunks.encodes.Load(); n != uint64(len(f.units)) {
		t.Errorf("%d encodes for %d units and two connections, want one each", n, len(f.units))
	}
	shared := 0
	for i := range piecesA {
		a, b := piecesA[i], piecesB[i]
		if len(a) != len(b) || len(a) == 0 {
			t.Fatalf("unit %d: %d and %d pieces", i, len(a), len(b))
		}
		last := len(a) - 1 // the unit's own message; headers come before
		if &a[last][0] != &b[last][0] {
			t.Fatalf("unit %d: the two connections write different copies of the chunks", i)
		}
		shared++
	}
	msgsA, msgsB := readAll(t, wireA, outChunkSize), readAll(t, wireB, outChunkSize)
	if len(msgsA) != len(msgsB) || len(msgsA) < len(f.units) {
		t.Fatalf("%d and %d messages for %d units", len(msgsA), len(msgsB), len(f.units))
	}
	for i := range msgsA {
		a, b := msgsA[i], msgsB[i]
		if a.streamID != 1 || b.streamID != 7 || a.ts != b.ts || a.typ != b.typ || !bytes.Equal(a.payload, b.payload) {
			t.Fatalf("message %d differs: sid %d/%d ts %d/%d type %d/%d", i, a.streamID, b.streamID, a.ts, b.ts, a.typ, b.typ)
		}
	}
	// The same stream serialised without sharing: 128-byte chunks, and
	// timestamps past 0xFFFFFF (extended, repeated on every chunk).
	for _, tc := range []struct {
		chunk    int
		tsOffset uint32
	}{{128, 0}, {outChunkSize, maxPlainTS - 1000}} {
		before := chunks.encodes.Load()
		wire, _ := muxAll(t, f, chunks, 1, tc.chunk, tc.tsOffset)
		if chunks.encodes.Load() != before {
			t.Errorf("chunk %d: units encoded again", tc.chunk)
		}
		got := readAll(t, wire, tc.chunk)
		if len(got) != len(msgsA) {
			t.Fatalf("chunk %d offset %d: %d messages, want %d", tc.chunk, tc.tsOffset, len(got), len(msgsA))
		}
		for i := range got {
			if got[i].ts != msgsA[i].ts+tc.tsOffset || !bytes.Equal(got[i].payload, msgsA[i].payload) {
				t.Fatalf("chunk %d offset %d: message %d differs", tc.chunk, tc.tsOffset, i)
			}
		}
	}
	t.Logf("%d units, each written from one shared copy by both connections", shared)
}

// TestSharedChunksPayload: each unit's message, out of its shared chunks,
// is the FLV tag gomedia builds of the frame in length-prefixed form (no
// access unit delimiters) or of the AAC frame.
func TestSharedChunksPayload(t *testing.T) {
	f := loadFixture(t)
	chunks := NewSharedChunks(len(f.units))
	for i, u := range f.units {
		e := chunks.get(u)
		if e.err != nil {
			t.Fatalf("unit %d: %v", i, e.err)
		}
		var want []byte
		if u.Track.Kind == media.KindVideo {
			nalus, _, _ := avcNALUs(u.Data)
			want = flv.WriteVideoTag(h264.AppendAVCC(nil, nalus...), u.Key, flv.FLV_AVC, e.cts, false)
		} else {
			want = flv.WriteAudioTag(u.Data, flv.FLV_AAC, 0, 0, false)
		}
		if got := e.appendPayload(nil); !bytes.Equal(got, want) || e.n != len(want) {
			t.Fatalf("unit %d (%s): payload of %d bytes (n %d), want %d", i, u.Track.Kind, len(got), e.n, len(want))
		}
		if want := len(want) + (len(want)-1)/outChunkSize; len(e.body) != want {
			t.Fatalf("unit %d: %d bytes of chunks, want %d", i, len(e.body), want)
		}
	}
}

// TestSharedChunksEncodeCopiesOnce: encoding a unit allocates its chunks
// and little more, not a copy of the payload on the way (the frame in
// length-prefixed form, then the FLV tag, then the chunks took three).
func TestSharedChunksEncodeCopiesOnce(t *testing.T) {
	f := loadFixture(t)
	chunks := NewSharedChunks(len(f.units))
	data := 0
	for _, u := range f.units {
		data += len(u.Data)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for _, u := range f.units {
		chunks.get(u)
	}
	runtime.ReadMemStats(&after)
	got := float64(after.TotalAlloc-before.TotalAlloc) / float64(data)
	t.Logf("%d units of %d bytes: %.2f bytes allocated a byte", len(f.units), data, got)
	if got > 2 {
		t.Errorf("encoding allocates %.2f bytes per byte of media, want at most 2", got)
	}
}

// TestSharedChunksEvict: a SharedChunks keeps its last units only, and a
// unit that fell out is encoded again to the same bytes.
func TestSharedChunksEvict(t *testing.T) {
	f := loadFixture(t)
	c := NewSharedChunks(4)
	first := c.get(f.units[0])
	for _, u := range f.units[1:5] {
		c.get(u)
	}
	if len(c.units) != 4 {
		t.Fatalf("%d units kept, want 4", len(c.units))
	}
	again := c.get(f.units[0])
	if again == first || !bytes.Equal(again.body, first.body) || c.encodes.Load() != 6 {
		t.Errorf("evicted unit: same entry %v, same bytes %v, %d encodes", again == first, bytes.Equal(again.body, first.body), c.encodes.Load())
	}
}

// TestSharedChunksByteBound: whatever the units' sizes, a SharedChunks
// holds at most maxBytes (units a hostile publisher makes huge would
// otherwise keep up to 128 of them alive), dropping the oldest first; a
// unit over the bound alone is still encoded, to the right bytes.
func TestSharedChunksByteBound(t *testing.T) {
	f := loadFixture(t)
	big := func(i int) *media.Unit {
		u := *f.units[0]
		u.Data = append(bytes.Clone(u.Data), make([]byte, 300_000+i)...)
		return &u
	}
	c := NewSharedChunks(128)
	c.maxBytes = 2 << 20
	var last *sharedUnit
	for i := range 40 {
		last = c.get(big(i))
		if last.err != nil {
			t.Fatal(last.err)
		}
		if c.bytes > c.maxBytes {
			t.Fatalf("unit %d: %d bytes held, bound %d", i, c.bytes, c.maxBytes)
		}
	}
	held := 0
	for _, e := range c.units {
		held += e.size
	}
	if held != c.bytes || c.bytes < c.maxBytes/2 {
		t.Fatalf("%d units kept holding %d bytes, counted %d", len(c.units), held, c.bytes)
	}
	c.maxBytes = 100
	u := big(99)
	e := c.get(u)
	if e.err != nil || e.n == 0 || c.bytes > c.maxBytes {
		t.Fatalf("a unit over the bound: err %v, %d payload bytes, %d held", e.err, e.n, c.bytes)
	}
	if again := c.get(u); again == e || !bytes.Equal(again.body, e.body) {
		t.Error("a unit over the bound was kept, or encoded to other bytes")
	}
}

// TestSharedChunksSteadyPathAllocs: an output writing units another
// output already encoded allocates nothing per unit: no tag, no chunks,
// no write buffers (a writev of shared pieces to a TCP connection).
func TestSharedChunksSteadyPathAllocs(t *testing.T) {
	f := loadFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(io.Discard, c)
	})
	conn, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{}.withDefaults()
	s := newSession(cfg, &stats{}, conn, conn)
	defer s.close()
	close(s.readDone) // no read loop here
	s.setOutChunk()

	chunks := NewSharedChunks(len(f.units))
	first := newMuxer([]*media.Track{f.video, f.audio}, 1, chunks, nil)
	for _, u := range f.units {
		first.messages(u) // the first output encodes every unit
	}
	m := newMuxer([]*media.Track{f.video, f.audio}, 1, chunks, nil)
	// The first GOP: sequence headers and metadata are built per
	// connection (not the steady path), and the buffers grow.
	i := 0
	for ; i < 2*fixtureGOP; i++ {
		if err := s.send(m.messages(f.units[i])...); err != nil {
			t.Fatal(err)
		}
	}
	rest := f.units[i:]
	k := 0
	allocs := testing.AllocsPerRun(len(rest)-1, func() {
		if err := s.send(m.messages(rest[k])...); err != nil {
			t.Fatal(err)
		}
		k++
	})
	if allocs != 0 {
		t.Errorf("%.2f allocations per unit on the steady path, want 0", allocs)
	}
	if chunks.encodes.Load() != uint64(len(f.units)) {
		t.Errorf("%d encodes for %d units", chunks.encodes.Load(), len(f.units))
	}
}

// TestSharedChunksTwoOutputsToNginx publishes the fixture to nginx-rtmp
// with two outputs that share one SharedChunks: every unit is encoded
// once, and both recordings play.
func TestSharedChunksTwoOutputsToNginx(t *testing.T) {
	f := loadFixture(t)
	srv := nginxrtmp.Start(t, nginxrtmp.Options{})
	chunks := NewSharedChunks(len(f.units))
	keys := []string{"shared-a-5d1e", "shared-b-93c0"}
	srcs := make([]*testSource, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, key := range keys {
		srcs[i] = newTestSource(f, 2)
		o := New(Config{Outbound: loopback, Target: mustTarget(t, srv.RTMPURL(srv.App(), key)), Chunks: chunks})
		wg.Go(func() { errs[i] = o.Run(context.Background(), srcs[i]) })
	}
	wg.Wait()
	for i, key := range keys {
		if errs[i] != nil {
			t.Fatalf("output %d: %v\nnginx:\n%s", i, errs[i], srv.ErrorLog())
		}
		path, err := srv.WaitRecordDone(key, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		checkRecording(t, path, f.duration)
	}
	_, read := srcs[0].stats()
	if n := chunks.encodes.Load(); n == 0 || n > uint64(read) {
		t.Errorf("%d encodes for %d units read by each of two outputs, want at most one per unit", n, read)
	}
}

// FuzzSharedChunks: any payload cut into shared chunks comes back whole
// out of them, and a connection's header in front of them reads back as
// the message, for any chunk size and chunk stream ID.
func FuzzSharedChunks(f *testing.F) {
	f.Add([]byte{}, uint16(128), uint16(5), uint32(0))
	f.Add([]byte("0123456789"), uint16(1), uint16(6), uint32(40))
	f.Add(bytes.Repeat([]byte{0xc5}, 9000), uint16(4096), uint16(319), uint32(maxPlainTS-1))
	f.Add(bytes.Repeat([]byte{7}, 300), uint16(128), uint16(400), uint32(1))
	f.Fuzz(func(t *testing.T, payload []byte, chunk, csid uint16, ts uint32) {
		cs, id := int(chunk%8192)+1, uint32(csid)%65598+2
		ts %= maxPlainTS
		e := &sharedUnit{csid: id, typ: msgVideo, chunkSize: cs, n: len(payload)}
		e.body = appendChunkBody(nil, payload, id, 0, cs)
		// The same payload handed to a chunkAppender in pieces of ts%97+1
		// bytes (and an empty piece each time) cuts into the same chunks.
		a := chunkAppender{csid: id, size: cs, room: cs}
		for p, k := payload, int(ts%97)+1; len(p) > 0; p = p[min(k, len(p)):] {
			a.write(nil)
			a.write(p[:min(k, len(p))])
		}
		if !bytes.Equal(a.dst, e.body) {
			t.Fatalf("chunkAppender in pieces of %d: %d bytes, appendChunkBody %d", ts%97+1, len(a.dst), len(e.body))
		}
		if got := e.appendPayload(nil); !bytes.Equal(got, payload) {
			t.Fatalf("payload back out of %d-byte chunks: %d bytes, want %d", cs, len(got), len(payload))
		}
		var b batch
		if err := b.add(message{csid: id, typ: msgVideo, streamID: 3, ts: ts, shared: e}, cs); err != nil {
			t.Fatal(err)
		}
		var wire []byte
		for _, p := range b.iov {
			wire = append(wire, p...)
		}
		rd := newChunkReader(bytes.NewReader(wire))
		rd.chunkSize = cs
		m, err := rd.next()
		if err != nil || m.csid != id || m.ts != ts || m.streamID != 3 || !bytes.Equal(m.payload, payload) {
			t.Fatalf("read back: %v csid %d ts %d sid %d len %d", err, m.csid, m.ts, m.streamID, len(m.payload))
		}
	})
}

// TestSharedChunksSlowOutput: of two outputs sharing chunks behind one
// fan-out, the one whose server stopped reading neither blocks the
// writer nor the other output, which records the whole stream in
// nginx-rtmp; the stuck one's reader drops up to keyframes.
func TestSharedChunksSlowOutput(t *testing.T) {
	f := loadFixture(t)
	srv := nginxrtmp.Start(t, nginxrtmp.Options{})
	chunks := NewSharedChunks(0)
	fan := fanout.New(fanout.Options{Buffer: 128, Tracks: []*media.Track{f.video, f.audio}})
	const key = "shared-fast-41b7"
	fast := New(Config{Outbound: loopback, Target: mustTarget(t, srv.RTMPURL(srv.App(), key)), Chunks: chunks})
	stuck := newPipeServer(nginxAccept(), false)
	defer stuck.close()
	slow := pipeOutput(stuck, nil)
	slow.cfg.Chunks = chunks
	slow.cfg.WriteTimeout, slow.cfg.StallTimeout = time.Minute, time.Minute

	fastR, slowR := fan.NewReader("fast"), fan.NewReader("slow")
	var wg sync.WaitGroup
	var fastErr error
	wg.Go(func() { fastErr = fast.Run(context.Background(), fastR) })
	wg.Go(func() { _ = slow.Run(context.Background(), slowR) })
	testutil.Eventually(t, 10*time.Second, "both publishing", func() bool {
		return fast.Stats().Connected && slow.Stats().Connected
	})
	close(stuck.stopReading)
	start := time.Now()
	for _, u := range f.units { // at twice the real pace
		if d := u.DTS/2 - time.Since(start); d > 0 {
			time.Sleep(d)
		}
		fan.Write(u)
	}
	fan.Close()
	testutil.Eventually(t, 20*time.Second, "the fast output done", func() bool { return !fast.Stats().Connected })
	stuck.close() // unblocks the stuck write
	wg.Wait()
	if fastErr != nil {
		t.Fatalf("fast output: %v", fastErr)
	}
	path, err := srv.WaitRecordDone(key, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	checkRecording(t, path, f.duration)
	if st := fastR.Stats(); st.Dropped != 0 {
		t.Errorf("fast reader dropped %d units", st.Dropped)
	}
	if st := slowR.Stats(); st.DropEvents == 0 {
		t.Errorf("stuck reader never overflowed: %+v", st)
	}
}
