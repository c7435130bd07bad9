package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/testutil"
	"go.uber.org/goleak"
)

// The fan-out's floor: what writing the same bytes to N loopback TCP
// connections costs a process that does nothing else, one write per
// video frame and connection (as roomcast's outputs write, the audio
// riding with the video), to a sink that reads in pieces of nginx-rtmp's
// chunk size. No relay can send an output for less on this machine; it
// bounds what "20 outputs' total / 1 output's" can reach.
const (
	floorChildEnv = "ROOMCAST_FANOUT_FLOOR"
	// floorSinkRead is the most the sink reads at once: nginx-rtmp reads
	// a connection chunk by chunk (4096 bytes and a header, as roomcast
	// and nginx's push send them).
	floorSinkRead = 4096 + 18
	// floorAudioBps is the AAC both relays send beside the video (128
	// kbit/s, 1024 samples at 48 kHz a frame, each frame behind its own
	// 12-byte chunk header and 2-byte FLV audio tag header).
	floorAudioBps       = 128_000 / 8
	floorAudioFrameRate = 48_000.0 / 1024
	floorAudioOverhead  = 12 + 2
	// floorVideoOverhead is what a video frame's message adds: its
	// 12-byte chunk header, the 5-byte FLV video tag header and a 4-byte
	// NAL unit length (the chunk headers every 4096 bytes are added per
	// frame).
	floorVideoOverhead = 12 + 5 + 4
)

// floorSpec is what the floor's child process sends: Max connections to
// Addr, frames of the sizes in Sizes (looped) at FPS.
type floorSpec struct {
	Addr  string
	Max   int
	FPS   int
	Sizes []int
}

// TestFanoutFloor is BenchmarkFanout's floor child process: it reads the
// number of connections to write from stdin, a line at a time, and ends
// when stdin closes. Run alone it skips.
func TestFanoutFloor(t *testing.T) {
	raw := os.Getenv(floorChildEnv)
	if raw == "" {
		t.Skip("the child process of BenchmarkFanout")
	}
	var spec floorSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatalf("%s: %v", floorChildEnv, err)
	}
	if err := runFloor(spec, os.Stdin); err != nil {
		t.Fatal(err)
	}
}

// runFloor writes spec's frames in real time to the first n of its
// connections, n the last count read from ctl, until ctl ends.
func runFloor(spec floorSpec, ctl io.Reader) error {
	if spec.Max < 1 || spec.FPS < 1 || len(spec.Sizes) == 0 {
		return fmt.Errorf("floor spec %+v: want connections, a frame rate and frame sizes", spec)
	}
	conns := make([]net.Conn, spec.Max)
	for i := range conns {
		c, err := net.Dial("tcp", spec.Addr)
		if err != nil {
			return fmt.Errorf("dial the sink: %w", err)
		}
		defer c.Close()
		conns[i] = c
	}
	var n atomic.Int64
	done := make(chan error, 1)
	go func() { done <- readCounts(ctl, &n, spec.Max) }()
	buf := make([]byte, maxInt(spec.Sizes))
	for i := range buf {
		buf[i] = byte(i)
	}
	start := time.Now()
	for i := 0; ; i++ {
		select {
		case err := <-done:
			return err
		default:
		}
		if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(spec.FPS))); d > 0 {
			time.Sleep(d)
		}
		p := buf[:spec.Sizes[i%len(spec.Sizes)]]
		for _, c := range conns[:n.Load()] {
			if _, err := c.Write(p); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
	}
}

// readCounts sets n from each line of r; it returns nil at r's end.
func readCounts(r io.Reader, n *atomic.Int64, most int) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
		if err != nil || k < 0 || k > most {
			return fmt.Errorf("floor count %q: want 0 to %d", sc.Text(), most)
		}
		n.Store(int64(k))
	}
	return sc.Err()
}

func maxInt(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// floorFrameSizes returns the bytes one output writes per video frame of
// clip: the frame as ffprobe counts it, its message framing, and the
// audio of one frame's time with its framing.
func floorFrameSizes(b *testing.B, clip string, fps int) []int {
	b.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "packet=size", "-of", "csv=p=0", clip).Output()
	if err != nil {
		b.Fatalf("ffprobe the clip's frame sizes: %v", err)
	}
	audio := int(float64(floorAudioBps)/float64(fps) + floorAudioFrameRate/float64(fps)*floorAudioOverhead)
	var sizes []int
	for _, f := range strings.Fields(string(out)) {
		v, err := strconv.Atoi(strings.TrimSuffix(f, ","))
		if err != nil {
			b.Fatalf("ffprobe packet size %q: %v", f, err)
		}
		msg := v + floorVideoOverhead
		sizes = append(sizes, msg+msg/4096+audio)
	}
	if len(sizes) == 0 {
		b.Fatal("ffprobe found no video frame in the clip")
	}
	return sizes
}

// floorSink accepts connections and reads them in floorSinkRead pieces,
// counting the bytes.
type floorSink struct {
	ln    net.Listener
	bytes atomic.Int64
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

func startFloorSink(b testing.TB) *floorSink {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &floorSink{ln: ln}
	s.wg.Go(s.accept)
	b.Cleanup(s.close)
	return s
}

func (s *floorSink) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.wg.Go(func() {
			buf := make([]byte, floorSinkRead)
			for {
				k, err := c.Read(buf)
				s.bytes.Add(int64(k))
				if err != nil {
					return
				}
			}
		})
	}
}

func (s *floorSink) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// benchFloorFanout measures the floor child over the same steps as the
// relays: a window per count, its CPU from the scheduler's accounting of
// its threads, as the relays'.
func benchFloorFanout(b *testing.B, c fanoutCase, clip string, window time.Duration, rounds int) fanoutSide {
	sink := startFloorSink(b)
	most := 0
	for _, n := range c.outputs {
		most = max(most, n)
	}
	raw, err := json.Marshal(floorSpec{Addr: sink.ln.Addr().String(), Max: most, FPS: c.fps,
		Sizes: floorFrameSizes(b, clip, c.fps)})
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFanoutFloor$", "-test.count=1", "-test.timeout=2h")
	cmd.Env = append(os.Environ(), floorChildEnv+"="+string(raw))
	ctl, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		b.Fatalf("start the floor child: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var rows []fanoutRow
	for _, n := range append([]int{0}, fanoutSteps(c.outputs, rounds)...) {
		if _, err := fmt.Fprintln(ctl, n); err != nil {
			b.Fatalf("floor child: %v\n%s", err, out.String())
		}
		time.Sleep(fanoutSettle)
		row, err := measureFloorRow(cmd.Process.Pid, sink, n, window, exited)
		if err != nil {
			b.Fatalf("floor child, %d outputs: %v\n%s", n, err, out.String())
		}
		fmt.Fprintf(os.Stderr, "fanout %s floor %2d outputs: %5.2f%% of one core, %.2f Mbit/s per output\n",
			c.name, n, 100*row.cpu, row.outBitrate/1e6)
		rows = append(rows, row)
	}
	ctl.Close()
	if err := <-exited; err != nil {
		b.Fatalf("floor child: %v\n%s", err, out.String())
	}
	return newFanoutSide(c.outputs, rows)
}

// measureFloorRow measures one window of the floor child writing n
// outputs.
func measureFloorRow(pid int, sink *floorSink, n int, window time.Duration, exited <-chan error) (fanoutRow, error) {
	s0, err := procSched(pid)
	if err != nil {
		return fanoutRow{}, err
	}
	k0, t0 := sink.bytes.Load(), time.Now()
	select {
	case err := <-exited:
		return fanoutRow{}, fmt.Errorf("ended early: %v", err)
	case <-time.After(window):
	}
	s1, err := procSched(pid)
	if err != nil {
		return fanoutRow{}, err
	}
	row := fanoutRow{outputs: n, wall: time.Since(t0)}
	row.cpu = (s1.run - s0.run).Seconds() / row.wall.Seconds()
	row.ticks = row.cpu
	if n > 0 {
		row.outBitrate = 8 * float64(sink.bytes.Load()-k0) / row.wall.Seconds() / float64(n)
		if row.outBitrate == 0 {
			return row, errors.New("the sink received nothing")
		}
	}
	return row, nil
}

// TestFloorWritesFrames checks the floor's child loop on a small case:
// it writes each frame to as many connections as it was told, stops
// writing at 0, ends at the end of its control input, and refuses a
// count it has no connections for.
func TestFloorWritesFrames(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) }) // after the sinks' cleanups
	sink := startFloorSink(t)
	spec := floorSpec{Addr: sink.ln.Addr().String(), Max: 3, FPS: 100, Sizes: []int{1000, 3000}}
	ctlR, ctlW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- runFloor(spec, ctlR) }()
	if _, err := fmt.Fprintln(ctlW, 2); err != nil {
		t.Fatal(err)
	}
	// Both connections get every frame: whole pairs of frames arrive.
	testutil.Eventually(t, 10*time.Second, "20 frames on 2 connections", func() bool {
		return sink.bytes.Load() >= 2*10*(1000+3000)
	})
	if _, err := fmt.Fprintln(ctlW, 0); err != nil {
		t.Fatal(err)
	}
	// After 0, the bytes stop growing (at most a frame in flight).
	var last int64 = -1
	testutil.Eventually(t, 10*time.Second, "writes stopped", func() bool {
		now := sink.bytes.Load()
		stopped := now == last
		last = now
		time.Sleep(50 * time.Millisecond) // ≥ 5 frame intervals between looks
		return stopped
	})
	if got := sink.bytes.Load(); got%2000 != 0 {
		t.Errorf("the sink read %d bytes: not whole frames on both connections", got)
	}
	ctlW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("runFloor at the control's end: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runFloor did not end with its control input")
	}
	if err := runFloor(spec, strings.NewReader("7\n")); err == nil || !strings.Contains(err.Error(), "want 0 to 3") {
		t.Errorf("count 7 of 3 connections: %v", err)
	}
}
