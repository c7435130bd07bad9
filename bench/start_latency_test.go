package bench

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/nginxrtmp"
)

// The start-latency benchmark: POST /v1/egress until the first byte of
// the RTMP connection reaches the target, and until the target accepts
// the publish (nginx-rtmp's on_publish), on the all-in-one server
// (embedded NATS, in-process worker) and on a fleet (roomcast nats, API,
// one roomcast worker process).
const startRepeats = 20

// firstByteProxy relays TCP to nginx and notes when each connection's
// first byte arrived.
type firstByteProxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	first  []time.Time
}

func newFirstByteProxy(b *testing.B, target string) *firstByteProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	p := &firstByteProxy{l: l, target: target}
	go p.serve()
	b.Cleanup(func() { l.Close() })
	return p
}

func (p *firstByteProxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		go p.relay(c)
	}
}

func (p *firstByteProxy) relay(c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer up.Close()
	buf := make([]byte, 1)
	if _, err := io.ReadFull(c, buf); err != nil {
		return
	}
	p.mu.Lock()
	p.first = append(p.first, time.Now())
	p.mu.Unlock()
	if _, err := up.Write(buf); err != nil {
		return
	}
	go func() { _, _ = io.Copy(c, up) }()
	_, _ = io.Copy(up, c)
}

func (p *firstByteProxy) firstAfter(t0 time.Time) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, at := range p.first {
		if at.After(t0) {
			return at, true
		}
	}
	return time.Time{}, false
}

// publishHook notes nginx's on_publish calls.
type publishHook struct {
	mu sync.Mutex
	at []time.Time
}

func (h *publishHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.at = append(h.at, time.Now())
	h.mu.Unlock()
}

func (h *publishHook) after(t0 time.Time) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, at := range h.at {
		if at.After(t0) {
			return at, true
		}
	}
	return time.Time{}, false
}

type startSample struct{ firstByte, publish time.Duration }

func BenchmarkStartLatency(b *testing.B) {
	bin, cleanup, err := harness.BuildBinary()
	if err != nil {
		b.Fatal(err)
	}
	defer cleanup()
	results := map[string][]startSample{}
	for _, setup := range []string{"embedded", "external"} {
		b.Run(setup, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				results[setup] = measureStarts(b, bin, setup)
			}
		})
	}
	printStartTable(os.Stderr, results)
}

func measureStarts(b *testing.B, bin, setup string) []startSample {
	hook := &publishHook{}
	hs := &http.Server{Handler: hook}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = hs.Serve(hl) }()
	defer hs.Close()
	ng := nginxrtmp.Start(b, nginxrtmp.Options{NoTLS: true, OnPublish: "http://" + hl.Addr().String() + "/on_publish"})
	proxy := newFirstByteProxy(b, ng.RTMPAddr())
	s := startSetup(b, bin, setup)
	s.CreateRoom(b, "bench")
	s.StartPublisher(b, "bench", "host", "h264", 10*time.Minute)
	harness.Eventually(b, 20*time.Second, "publisher tracks", func() bool {
		info := s.RoomInfo(b, "bench")
		return len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
	})
	var samples []startSample
	for i := range startRepeats {
		url := fmt.Sprintf("rtmp://%s/%s/start-%d", proxy.l.Addr(), ng.App(), i)
		var job struct{ ID string }
		t0 := time.Now()
		if code := s.Do(b, "POST", "/v1/egress", map[string]any{"room": "bench", "outputs": map[string]any{"rtmp": []string{url}}}, &job); code != http.StatusCreated {
			b.Fatalf("POST: %d", code)
		}
		var fb, pub time.Time
		harness.Eventually(b, 20*time.Second, "publish at the target", func() bool {
			var ok1, ok2 bool
			fb, ok1 = proxy.firstAfter(t0)
			pub, ok2 = hook.after(t0)
			return ok1 && ok2
		})
		samples = append(samples, startSample{firstByte: fb.Sub(t0), publish: pub.Sub(t0)})
		if code := s.Do(b, "DELETE", "/v1/egress/"+job.ID, nil, nil); code != http.StatusOK {
			b.Fatalf("DELETE: %d", code)
		}
	}
	return samples
}

// startSetup starts the server (and, for "external", its NATS and worker).
func startSetup(b *testing.B, bin, setup string) *harness.Server {
	if setup == "embedded" {
		return harness.StartServer(b, bin, "ROOMCAST_LOG_LEVEL=info")
	}
	n := harness.StartNATS(b, bin)
	s := harness.StartServerIn(b, bin, b.TempDir(), "ROOMCAST_NATS_URL="+n.URL, "ROOMCAST_WORKERS=0", "ROOMCAST_LOG_LEVEL=info")
	harness.StartWorker(b, bin, n.URL, s, "bench-worker", "ROOMCAST_LOG_LEVEL=info")
	return s
}

func pct(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s)-1) + 0.5)
	return s[i]
}

func printStartTable(w io.Writer, results map[string][]startSample) {
	fmt.Fprintf(w, "\nstart latency: POST /v1/egress → first RTMP byte at the target / publish accepted (nginx on_publish), %d starts each\n", startRepeats)
	fmt.Fprintf(w, "%-10s %12s %12s %12s %12s\n", "setup", "byte p50", "byte p99", "publish p50", "publish p99")
	for _, setup := range []string{"embedded", "external"} {
		ss := results[setup]
		if len(ss) == 0 {
			continue
		}
		var fb, pub []time.Duration
		for _, s := range ss {
			fb, pub = append(fb, s.firstByte), append(pub, s.publish)
		}
		fmt.Fprintf(w, "%-10s %12v %12v %12v %12v\n", setup,
			pct(fb, 0.5).Round(time.Millisecond), pct(fb, 0.99).Round(time.Millisecond),
			pct(pub, 0.5).Round(time.Millisecond), pct(pub, 0.99).Round(time.Millisecond))
	}
}
