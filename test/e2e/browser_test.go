package e2e

import (
	"errors"
	"github.com/roomcast/roomcast/test/testutil"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestBrowserRoom opens the room page in headless Chromium with a fake
// camera and microphone. The page publishes over WHIP; the test checks what
// the ingest receives and what the room lists, that the page shows (and then
// drops) another participant, and that the participant leaves once the
// browser is gone.
func TestBrowserRoom(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	bin := chromiumPath(t)
	s := StartServer(t)
	s.CreateRoom(t, "browser")
	in := s.StartIngest(t, "browser")
	// The page joins with a join token alone: no API key reaches it.
	tok := s.CreateToken(t, "browser", map[string]any{"name": "chrome", "publish": true, "subscribe": true})
	frag := url.Values{"token": {tok.Token}, "autojoin": {"1"}}
	c := startChromium(t, bin, s.URL+"/rooms/browser#"+frag.Encode())

	Eventually(t, 30*time.Second, "over 30 audio and 30 video frames from chrome at the ingest", func() bool {
		frames := map[string]int{}
		for _, ts := range in.ByParticipant("chrome") {
			frames[ts.Kind] = ts.Frames
		}
		return frames["audio"] > 30 && frames["video"] > 30
	})
	Eventually(t, 10*time.Second, "chrome listed with opus audio and VP8 or H.264 video", func() bool {
		return hasBrowserTracks(s.RoomInfo(t, "browser"), "chrome")
	})

	// Another publisher appears on the page as one tile, then goes away.
	p := s.StartPublisher(t, "browser", "synth", "vp8", 8*time.Second)
	start := time.Now()
	joined := c.waitLog(t, 0, 20*time.Second, "1 other participant")
	t.Logf("the page showed synth %v after it started", time.Since(start).Round(100*time.Millisecond))
	p.Wait(t, 40*time.Second)
	c.waitLog(t, joined, 20*time.Second, "0 other participants")

	// No DELETE comes from a killed browser: the server notices that the
	// peer connection is gone (ICE times out, 30 s with pion's defaults).
	c.stop()
	stopped := time.Now()
	Eventually(t, 45*time.Second, "an empty room after Chromium exits", func() bool {
		return len(s.RoomInfo(t, "browser").Participants) == 0
	})
	t.Logf("the room was empty %v after Chromium exited", time.Since(stopped).Round(100*time.Millisecond))
	for _, bad := range []string{"Could not join", "Renegotiation failed", "malformed signal"} {
		if strings.Contains(c.log(), bad) {
			t.Errorf("the page reported %q", bad)
		}
	}
}

// hasBrowserTracks reports whether the room lists participant name with an
// Opus audio track and a VP8 or H.264 video track.
func hasBrowserTracks(info RoomInfo, name string) bool {
	for _, p := range info.Participants {
		if p.Name != name {
			continue
		}
		codecs := map[string]string{}
		for _, tr := range p.Tracks {
			codecs[tr.Kind] = tr.Codec
		}
		return codecs["audio"] == "opus" && (codecs["video"] == "VP8" || codecs["video"] == "H264")
	}
	return false
}

// chromiumPath finds Chromium: $ROOMCAST_CHROMIUM, else chromium on $PATH.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ROOMCAST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium not found: `make test` installs Debian's chromium (scripts/install-deps.sh), or set ROOMCAST_CHROMIUM")
	return ""
}

// chromiumFlags run a throwaway headless profile that grants the fake
// camera and microphone without a prompt and keeps ICE on loopback.
var chromiumFlags = []string{
	"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
	"--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
	"--autoplay-policy=no-user-gesture-required",
	// The page logs its status line to the console; this copies the
	// console to stderr, where waitLog reads it.
	"--enable-logging=stderr", "--v=0",
}

// chromium is a headless Chromium process group showing one page.
type chromium struct {
	cmd  *exec.Cmd
	out  lockedBuffer
	done chan struct{}
	once sync.Once
}

// startChromium opens pageURL in a new Chromium process group; t.Cleanup
// stops it and, if the test failed, logs its output.
func startChromium(t *testing.T, bin, pageURL string) *chromium {
	t.Helper()
	args := append([]string{"--user-data-dir=" + t.TempDir()}, chromiumFlags...)
	c := &chromium{cmd: exec.Command(bin, append(args, pageURL)...), done: make(chan struct{})}
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.cmd.WaitDelay = 5 * time.Second // a stray child holding stderr must not block Wait
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	go func() {
		_ = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			t.Logf("chromium output (the page's messages are the CONSOLE lines):\n%s", lastBytes(c.log(), 16000))
		}
	})
	return c
}

// stop ends the whole process group: SIGTERM, then SIGKILL after 10 s. It
// returns once the browser process has exited.
func (c *chromium) stop() {
	c.once.Do(func() {
		pgid := -c.cmd.Process.Pid
		_ = syscall.Kill(pgid, syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(pgid, syscall.SIGKILL)
			<-c.done
		}
		// Renderers and helpers that outlived the browser go too.
		if err := syscall.Kill(pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			c.out.Write([]byte("kill chromium process group: " + err.Error() + "\n"))
		}
	})
}

func (c *chromium) log() string { return c.out.String() }

// waitLog polls Chromium's output, from byte offset from on, until it
// contains want, and returns the offset just past it.
func (c *chromium) waitLog(t *testing.T, from int, within time.Duration, want string) int {
	t.Helper()
	at := -1
	Eventually(t, within, "the page to log "+strconv.Quote(want), func() bool {
		at = strings.Index(c.log()[from:], want)
		return at >= 0
	})
	return from + at + len(want)
}

// lockedBuffer collects Chromium's output while exec copies it.
type lockedBuffer = testutil.SyncBuffer

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
