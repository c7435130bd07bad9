package rtmp

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/testutil"
)

// silentListener accepts TCP connections and never says a word.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// TestHandshakeTimeout: a server that accepts but never answers the RTMP
// (or the TLS) handshake fails Run after HandshakeTimeout.
func TestHandshakeTimeout(t *testing.T) {
	addr := silentListener(t)
	for _, scheme := range []string{"rtmp", "rtmps"} {
		t.Run(scheme, func(t *testing.T) {
			const key = "hs-timeout-key-99"
			o := New(Config{Outbound: loopback, Target: mustTarget(t, scheme+"://"+addr+"/live/"+key), HandshakeTimeout: 300 * time.Millisecond})
			start := time.Now()
			err := runBounded(t, o, newAudioSource(1))
			took := time.Since(start)
			if !errors.Is(err, ErrHandshakeTimeout) {
				t.Fatalf("Run = %v, want ErrHandshakeTimeout", err)
			}
			if took < 300*time.Millisecond || took > time.Second {
				t.Errorf("took %s, want about 300ms", took)
			}
			t.Logf("%s: %v after %s", scheme, err, took.Round(time.Millisecond))
			assertNoKey(t, key, err.Error())
		})
	}
}

func TestDialRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	o := New(Config{Outbound: loopback, Target: mustTarget(t, "rtmp://"+addr+"/live/k")})
	if err := runBounded(t, o, newAudioSource(1)); err == nil || errors.Is(err, ErrRejected) {
		t.Fatalf("Run = %v, want a connection error", err)
	}
}

// TestStall: the server stops reading once publishing; writes block, and
// the liveness check fails the output after StallTimeout even though the
// write deadline is far away.
func TestStall(t *testing.T) {
	f := loadFixture(t)
	p := newPipeServer(nginxAccept(), false)
	defer p.close()
	o := pipeOutput(p, nil)
	o.cfg.WriteTimeout = 5 * time.Second
	o.cfg.StallTimeout = 200 * time.Millisecond
	src := newTestSource(f, 1)
	src.hold = true
	errc := make(chan error, 1)
	go func() { errc <- o.Run(context.Background(), src) }()
	testutil.Eventually(t, 2*time.Second, "publishing", func() bool { return o.Stats().Connected })
	close(p.stopReading)
	stalled := time.Now()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrStall) {
			t.Fatalf("Run = %v, want ErrStall", err)
		}
		t.Logf("%v after %s", err, time.Since(stalled).Round(time.Millisecond))
	case <-time.After(3 * time.Second):
		t.Fatal("no stall detected")
	}
}

// TestRunTwiceConcurrently: Run is one connection at a time.
func TestRunTwiceConcurrently(t *testing.T) {
	addr := silentListener(t)
	o := New(Config{Outbound: loopback, Target: mustTarget(t, "rtmp://"+addr+"/live/k"), HandshakeTimeout: 500 * time.Millisecond})
	errc := make(chan error, 1)
	go func() { errc <- o.Run(context.Background(), newAudioSource(1)) }()
	testutil.Eventually(t, time.Second, "the first Run", func() bool { return o.running.Load() })
	if err := o.Run(context.Background(), newAudioSource(1)); err == nil {
		t.Error("a second concurrent Run was allowed")
	}
	<-errc
}

// TestCancelWhileConnecting: ctx ends during the handshake: Run returns nil
// promptly.
func TestCancelWhileConnecting(t *testing.T) {
	addr := silentListener(t)
	o := New(Config{Outbound: loopback, Target: mustTarget(t, "rtmp://"+addr+"/live/k")})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := o.Run(ctx, newAudioSource(1)); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %s", took)
	}
}

// TestWireMedia checks what reaches the server for real media: onMetaData
// with every field, one AVC and one AAC header before the first frame,
// monotonic timestamps from 0, and the stream ID from createStream.
func TestWireMedia(t *testing.T) {
	f := loadFixture(t)
	p := newPipeServer(nginxAccept(), false)
	defer p.close()
	o := pipeOutput(p, nil)
	src := newTestSource(f, 1000)
	src.units = f.units[:len(f.units)/3]
	if err := runBounded(t, o, src); err != nil {
		t.Fatalf("Run: %v", err)
	}
	c := countWireMedia(t, p.messages(t))
	if c.metas != 1 || c.vHeaders != 1 || c.aHeaders != 1 || c.vFrames != fixtureFPS*2 || c.aFrames < 90 {
		t.Errorf("metadata %d, headers %d+%d, frames %d video %d audio", c.metas, c.vHeaders, c.aHeaders, c.vFrames, c.aFrames)
	}
}

// wireCounts are the media messages of one connection.
type wireCounts struct {
	metas, vHeaders, aHeaders, vFrames, aFrames int
}

// countWireMedia counts one connection's media messages, checking that
// onMetaData and both sequence headers come first (at timestamp 0), that
// the first frame is a keyframe, and that timestamps never go back.
func countWireMedia(t *testing.T, msgs []message) wireCounts {
	t.Helper()
	var c wireCounts
	last := map[uint8]uint32{}
	for _, m := range msgs {
		if m.typ != msgVideo && m.typ != msgAudio && m.typ != msgDataAMF0 {
			continue
		}
		if m.streamID != 1 {
			t.Fatalf("media on stream %d, want 1", m.streamID)
		}
		if m.ts < last[m.typ] {
			t.Fatalf("type %d timestamp went back: %d after %d", m.typ, m.ts, last[m.typ])
		}
		last[m.typ] = m.ts
		switch {
		case m.typ == msgDataAMF0:
			c.metas++
			vals, err := amfDecodeAll(m.payload)
			if err != nil || len(vals) != 3 || vals[1] != "onMetaData" {
				t.Fatalf("data message %v %v", vals, err)
			}
			checkMetadata(t, vals[2].(map[string]any))
		case m.typ == msgVideo && m.payload[1] == 0:
			c.vHeaders++
			if c.vFrames > 0 || m.ts != 0 || c.metas == 0 {
				t.Error("AVC header after a frame, or before onMetaData")
			}
		case m.typ == msgAudio && m.payload[1] == 0:
			c.aHeaders++
			if c.aFrames > 0 || c.vFrames > 0 {
				t.Error("AAC header after a frame")
			}
		case m.typ == msgVideo:
			if c.vFrames == 0 && m.payload[0]>>4 != 1 {
				t.Error("first video frame is not a keyframe")
			}
			c.vFrames++
		default:
			c.aFrames++
		}
	}
	return c
}

// TestWireReconnect: the server goes away mid-stream and the same Output
// and Source publish again, as the supervisor retries: the new connection
// gets onMetaData and both sequence headers again before its first frame
// (gomedia's muxers send no onMetaData and the AVC header only once).
func TestWireReconnect(t *testing.T) {
	f := loadFixture(t)
	first := newPipeServer(nginxAccept(), false)
	o := pipeOutput(first, nil)
	src := newTestSource(f, 2)
	errc := make(chan error, 1)
	go func() { errc <- o.Run(context.Background(), src) }()
	testutil.Eventually(t, 5*time.Second, "publishing media", func() bool { _, read := src.stats(); return o.Stats().Connected && read > 60 })
	first.close() // mid-GOP: the next keyframe is 2 s in
	select {
	case err := <-errc:
		if err == nil || errors.Is(err, ErrRejected) {
			t.Fatalf("Run = %v, want a connection error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the server went away")
	}
	second := newPipeServer(nginxAccept(), false)
	defer second.close()
	o.dial = second.dial
	if err := runBounded(t, o, src); err != nil {
		t.Fatalf("Run after reconnecting: %v", err)
	}
	before, after := countWireMedia(t, first.messagesCut(t)), countWireMedia(t, second.messages(t))
	for i, c := range []wireCounts{before, after} {
		if c.metas != 1 || c.vHeaders != 1 || c.aHeaders != 1 || c.vFrames == 0 {
			t.Errorf("connection %d: metadata %d, headers %d+%d, %d video frames", i+1, c.metas, c.vHeaders, c.aHeaders, c.vFrames)
		}
	}
	if resets, _ := src.stats(); resets != 2 {
		t.Errorf("Reset called %d times, want once per connection", resets)
	}
	if after.vFrames != 2*fixtureGOP {
		t.Errorf("second connection: %d video frames, want the fixture's last 2 GOPs (%d)", after.vFrames, 2*fixtureGOP)
	}
}
