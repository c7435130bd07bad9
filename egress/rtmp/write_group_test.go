package rtmp

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/fanout"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/nginxrtmp"
	"github.com/roomcast/roomcast/test/testutil"
)

// pausingProxy forwards TCP connections to a server; while paused it
// stops reading what the clients send, so that their socket buffers fill
// as with a congested link.
type pausingProxy struct {
	ln     net.Listener
	target string
	resume chan struct{} // closed to go on
	mu     sync.Mutex
	paused bool
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startPausingProxy(t *testing.T, target string) *pausingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pausingProxy{ln: ln, target: target, resume: make(chan struct{})}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

func (p *pausingProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		_ = c.(*net.TCPConn).SetReadBuffer(16 << 10) // no autotuning: the link stays narrow
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		p.wg.Go(func() { _, _ = io.Copy(c, up) })
		p.wg.Go(func() { p.copyUp(up, c) })
	}
}

// copyUp copies client → server, holding back while paused.
func (p *pausingProxy) copyUp(up, c net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		p.mu.Lock()
		paused := p.paused
		p.mu.Unlock()
		if paused {
			<-p.resume
		}
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := up.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			_ = up.Close()
			return
		}
	}
}

func (p *pausingProxy) pause() {
	p.mu.Lock()
	p.paused = true
	p.mu.Unlock()
}

func (p *pausingProxy) unpause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused {
		p.paused = false
		close(p.resume)
	}
}

func (p *pausingProxy) close() {
	p.ln.Close()
	p.unpause()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// TestWriteGroup: four outputs of one fan-out share a WriteGroup; one of
// them goes through a link that stops for a while. The group writes the
// others (and the slow one before and after), never waits for the slow
// one, hands it back to its own goroutine with the rest of a write
// pending, and every recording, the slow one's included, plays cleanly.
func TestWriteGroup(t *testing.T) {
	f := loadFixture(t)
	srv := nginxrtmp.Start(t, nginxrtmp.Options{NoTLS: true})
	proxy := startPausingProxy(t, srv.RTMPAddr())
	chunks, group := NewSharedChunks(0), NewWriteGroup()
	fan := fanout.New(fanout.Options{Buffer: 128, Tracks: []*media.Track{f.video, f.audio}})

	keys := []string{"group-a-1f3c", "group-b-77d0", "group-c-0a9e", "group-slow-5b21"}
	outs := make([]*Output, len(keys))
	readers := make([]*fanout.Reader, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, key := range keys {
		url := srv.RTMPURL(srv.App(), key)
		if strings.Contains(key, "slow") {
			url = "rtmp://" + proxy.ln.Addr().String() + "/" + srv.App() + "/" + key
		}
		outs[i] = New(Config{Outbound: loopback, Target: mustTarget(t, url), Chunks: chunks, Group: group})
		// A short write timeout for the fast ones: the group's writes, which
		// never wait, must not trip over a deadline an earlier write left.
		outs[i].cfg.WriteTimeout = 300 * time.Millisecond
		if strings.Contains(key, "slow") {
			outs[i].cfg.WriteTimeout, outs[i].cfg.StallTimeout = time.Minute, time.Minute
		}
		readers[i] = fan.NewReader(key)
		readers[i].CoalesceAudio()
		wg.Go(func() { errs[i] = outs[i].Run(context.Background(), readers[i]) })
	}
	testutil.Eventually(t, 10*time.Second, "all publishing", func() bool {
		for _, o := range outs {
			if !o.Stats().Connected {
				return false
			}
		}
		return true
	})
	// 40 kB of filler NAL units (ignored by decoders) per video frame make
	// 10 Mbit/s, so that the slow link's stop (from 1 s of media to the
	// end, 2.5 s at twice the real pace) overflows the socket buffers and
	// the reader's ring.
	filler := append([]byte{0, 0, 0, 1, 0x0c}, make([]byte, 40_000)...)
	for i := 5; i < len(filler); i++ {
		filler[i] = 0xff
	}
	start := time.Now()
	for _, u := range f.units {
		if d := u.DTS/2 - time.Since(start); d > 0 {
			time.Sleep(d)
		}
		if u.DTS >= time.Second {
			proxy.pause()
		}
		if u.Track.Kind == media.KindVideo {
			big := *u
			big.Data = append(append([]byte(nil), u.Data...), filler...)
			u = &big
		}
		fan.Write(u)
	}
	fan.Close()
	proxy.unpause()
	wg.Wait()
	// The proxy's own end: on a loaded machine its copy could leave the
	// server's side open after the output closed, and nginx would not
	// close the slow recording. What it recorded must decode either way.
	proxy.close()
	for i, o := range outs {
		t.Logf("%s: %+v", keys[i], o.Stats())
	}
	for i, key := range keys {
		if errs[i] != nil {
			t.Fatalf("%s: %v\nnginx:\n%s", key, errs[i], srv.ErrorLog())
		}
		path, err := srv.WaitRecordDone(key, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		want := f.duration
		if strings.Contains(key, "slow") {
			info := checkRecordingPlays(t, path)
			st := readers[i].Stats()
			t.Logf("%s: %d video frames of %d, reader %+v", key, info.videoFrames, fixtureSeconds*fixtureFPS, st)
			if st.DropEvents == 0 || info.videoFrames >= fixtureSeconds*fixtureFPS {
				t.Errorf("%s: the stopped link made the output skip nothing", key)
			}
			continue
		}
		checkRecording(t, path, want)
		if st := readers[i].Stats(); st.Dropped != 0 {
			t.Errorf("%s: reader dropped %d units", key, st.Dropped)
		}
	}
	w, h, p := group.writes.Load(), group.handbacks.Load(), group.partial.Load()
	t.Logf("group: %d writes, %d hand-backs, %d of them after a write the socket took only part of", w, h, p)
	if w < uint64(len(f.units)) || p == 0 {
		t.Errorf("the group wrote %d times and handed back %d outputs after a partial write; want a write per unit at least and the slow output handed back", w, p)
	}
	group.mu.Lock()
	running := group.stop != nil
	group.mu.Unlock()
	if running {
		t.Error("the group's goroutine runs on after its last output ended")
	}
}

// checkRecordingPlays checks that an FLV parses and decodes without
// error, whatever its length.
func checkRecordingPlays(t *testing.T, path string) flvInfo {
	t.Helper()
	checkStreams(t, ffprobe(t, path))
	if out, err := execFFmpegDecode(path); err != nil || len(out) > 0 {
		t.Errorf("ffmpeg decode of %s: %v: %s", path, err, out)
	}
	return parseFLV(t, path)
}
