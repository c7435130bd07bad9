package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"

	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/room"
	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/nginxrtmp"
)

// The memory benchmarks: what a hostile publisher's RTCP for random SSRCs
// costs a room (goal: < 5 MB for 10,000), and the RSS a `roomcast worker`
// adds per passthrough job, per record output and per raw track.
const (
	floodSSRCs = 10000
	floodGoal  = 5 << 20
	// memJobs jobs run at once in each RSS phase; the figure is per job.
	memJobs   = 20
	memSettle = 12 * time.Second
)

// BenchmarkRTCPFloodHeap: an in-process room, a pion publisher whose
// receiver reports name random SSRCs; the room's heap in use before and
// after. 2,000 SSRCs stay under the limit past which the room sends the
// publisher away (what each costs while it stays); 10,000 pass it.
func BenchmarkRTCPFloodHeap(b *testing.B) {
	for _, n := range []int{2000, floodSSRCs} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var grown int64
			var closed bool
			for i := 0; i < b.N; i++ {
				grown, closed = rtcpFlood(b, n)
			}
			b.ReportMetric(float64(grown)/(1<<20), "MB")
			verdict := "ok"
			if grown >= floodGoal {
				verdict = "OVER GOAL"
			}
			fmt.Fprintf(os.Stderr, "\nRTCP flood: %d random SSRCs: heap in use grew by %.2f MB (goal < %d MB for %d): %s; publisher sent away: %v\n",
				n, float64(grown)/(1<<20), floodGoal>>20, floodSSRCs, verdict, closed)
		})
	}
}

// rtcpFlood floods a room with RTCP for n random SSRCs and returns the
// growth of the heap in use and whether the room closed the publisher.
func rtcpFlood(b *testing.B, n int) (grown int64, closed bool) {
	m, err := room.NewManager(room.Config{
		RTC:    rtc.Options{LoopbackOnly: true},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	if _, err := m.Create("flood"); err != nil {
		b.Fatal(err)
	}
	pc := floodPublisher(b, m)
	defer func() { _ = pc.Close() }()
	harness.Eventually(b, 10*time.Second, "publisher connected", func() bool {
		return pc.ConnectionState() == webrtc.PeerConnectionStateConnected
	})
	base := heapInUse()
	sendRandomReports(pc, n)
	// The last reports read: the room closes the publisher at once when
	// it does; else give it a moment.
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline) && !closed; time.Sleep(50 * time.Millisecond) {
		info, err := m.Get("flood")
		closed = err == nil && len(info.Participants) == 0
	}
	return int64(heapInUse()) - int64(base), closed
}

// floodPublisher connects a pion publisher with one (silent) video track.
func floodPublisher(b *testing.B, m *room.Manager) *webrtc.PeerConnection {
	api, err := rtc.NewAPI(rtc.Options{LoopbackOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		b.Fatal(err)
	}
	tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "flood")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		b.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		b.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		b.Fatal(err)
	}
	<-gathered
	sess, err := m.PublishWith(context.Background(), "flood", room.PublishOptions{Name: "mallory", OfferSDP: pc.LocalDescription().SDP})
	if err != nil {
		b.Fatal(err)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sess.AnswerSDP}); err != nil {
		b.Fatal(err)
	}
	return pc
}

// sendRandomReports sends receiver reports of 31 blocks about n random
// SSRCs, until a write fails.
func sendRandomReports(pc *webrtc.PeerConnection, n int) {
	rng := rand.New(rand.NewPCG(1, 2))
	for sent := 0; sent < n; {
		rr := &rtcp.ReceiverReport{SSRC: rng.Uint32()}
		for len(rr.Reports) < 31 && sent+len(rr.Reports) < n {
			rr.Reports = append(rr.Reports, rtcp.ReceptionReport{SSRC: rng.Uint32()})
		}
		if err := pc.WriteRTCP([]rtcp.Packet{rr}); err != nil {
			break
		}
		sent += len(rr.Reports)
		time.Sleep(200 * time.Microsecond) // no socket buffer overflow
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// memPhase is one RSS measurement: memJobs jobs of one shape on a fresh
// worker.
type memPhase struct {
	name    string
	record  map[string]any // the record output, nil for none
	targets int            // RTMP targets per job (default 1)
	kind    string         // as priced (the most the spec lets it do)
	perJob  int64          // RSS bytes per job
	cpu     float64        // the worker's CPU, % of a core per job
}

// BenchmarkEgressRSS: a `roomcast worker` (its own process, local
// storage) on a room with one 640x360 H.264 publisher (audio and video);
// its RSS idle, then with memJobs jobs of each shape, all in the single
// layout, which passes the H.264 camera through: RTMP only (a
// passthrough job), RTMP and a record output, RTMP and a record output
// with raw tracks. A record output's cost is the second's per-job figure
// less the first's; a raw track's, the third's less the second's, per
// track.
func BenchmarkEgressRSS(b *testing.B) {
	phases := []*memPhase{
		{name: "rtmp"},
		{name: "rtmp+record", record: map[string]any{"segment_seconds": 4}},
		{name: "rtmp+record raw", record: map[string]any{"segment_seconds": 4, "tracks": "raw"}},
		{name: "2 rtmp+record", record: map[string]any{"segment_seconds": 4}, targets: 2},
	}
	for i := 0; i < b.N; i++ {
		egressRSS(b, phases)
	}
	passthrough := phases[0].perJob
	record := phases[1].perJob - phases[0].perJob
	raw := (phases[2].perJob - phases[1].perJob) / 2
	b.ReportMetric(float64(passthrough)/(1<<20), "MB/passthrough")
	b.ReportMetric(float64(record)/(1<<20), "MB/record")
	b.ReportMetric(float64(raw)/(1<<20), "MB/rawtrack")
	full := phases[3].perJob
	b.ReportMetric(float64(full)/(1<<20), "MB/job-record-2rtmp")
	fmt.Fprintf(os.Stderr, "\nworker RSS, %d jobs at once on one 640x360 H.264 publisher, mean over %v:\n", memJobs, memSettle)
	for _, p := range phases {
		fmt.Fprintf(os.Stderr, "  %-16s %6.1f MB and %5.1f %%core per job (priced %s)\n", p.name, float64(p.perJob)/(1<<20), p.cpu, p.kind)
	}
	fmt.Fprintf(os.Stderr, "  per passthrough job %.1f MB, per record output %.1f MB, per raw track %.1f MB\n",
		float64(passthrough)/(1<<20), float64(record)/(1<<20), float64(raw)/(1<<20))
	fmt.Fprintf(os.Stderr, "  per passthrough job with a record output and 2 RTMP targets %.1f MB (goal 30 MB: %.2fx)\n",
		float64(full)/(1<<20), float64(full)/(30<<20))
}

func egressRSS(b *testing.B, phases []*memPhase) {
	bin := roomcastBinary(b)
	ng := nginxrtmp.Start(b, nginxrtmp.Options{NoTLS: true})
	n := harness.StartNATS(b, bin)
	s := harness.StartServerIn(b, bin, b.TempDir(), "ROOMCAST_NATS_URL="+n.URL, "ROOMCAST_WORKERS=0", "ROOMCAST_LOG_LEVEL=info")
	s.CreateRoom(b, "mem")
	s.StartPublisherSize(b, "mem", "host", "h264", 640, 360, 10*time.Minute)
	harness.Eventually(b, 60*time.Second, "publisher's tracks in the room", func() bool {
		info := s.RoomInfo(b, "mem")
		return len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
	})
	for i, p := range phases {
		w := harness.StartWorker(b, bin, n.URL, s, fmt.Sprintf("mem%d", i), "ROOMCAST_LOG_LEVEL=info",
			"ROOMCAST_WORKER_CAPACITY=10000", "ROOMCAST_STORAGE_BACKEND=local", "ROOMCAST_STORAGE_LOCAL_PATH="+b.TempDir())
		time.Sleep(memSettle / 2)
		idle := meanRSS(b, w.PID(), memSettle/2)
		ids := make([]string, memJobs)
		for j := range ids {
			ids[j], p.kind = startMemJob(b, s, ng, p, fmt.Sprintf("%d-%d", i, j))
		}
		for _, id := range ids {
			waitLive(b, s, id, p.record != nil)
		}
		time.Sleep(memSettle / 2)
		c0, t0 := workerCPU(b, w.PID()), time.Now()
		busy := meanRSS(b, w.PID(), memSettle)
		p.cpu = 100 * (workerCPU(b, w.PID()) - c0).Seconds() / time.Since(t0).Seconds() / memJobs
		p.perJob = (busy - idle) / memJobs
		for _, id := range ids {
			if code := s.Do(b, "DELETE", "/v1/egress/"+id, nil, nil); code != http.StatusOK {
				b.Fatalf("stop %s: %d", id, code)
			}
		}
		w.Term(b, 30*time.Second)
	}
}

func startMemJob(b *testing.B, s *harness.Server, ng *nginxrtmp.Server, p *memPhase, key string) (id, kind string) {
	targets := []string{ng.RTMPURL(ng.App(), "mem-"+key)}
	if p.targets == 2 {
		targets = append(targets, ng.RTMPURL(ng.App(), "mem2-"+key))
	}
	outputs := map[string]any{"rtmp": targets}
	if p.record != nil {
		outputs["record"] = p.record
	}
	var job struct{ ID, Kind string }
	if code := s.Do(b, "POST", "/v1/egress", map[string]any{"room": "mem", "layout": "single", "participant": "host", "outputs": outputs}, &job); code != http.StatusCreated {
		b.Fatalf("start %s job: %d", p.name, code)
	}
	return job.ID, job.Kind
}

// waitLive waits for the job's RTMP output to be live and, with record,
// its first segment.
func waitLive(b *testing.B, s *harness.Server, id string, record bool) {
	harness.Eventually(b, 60*time.Second, "job "+id+" live", func() bool {
		var j struct {
			Outputs struct {
				RTMP   []struct{ State string }
				Record *struct{ Segments int }
			}
		}
		s.Do(b, "GET", "/v1/egress/"+id, nil, &j)
		live := len(j.Outputs.RTMP) > 0
		for _, o := range j.Outputs.RTMP {
			live = live && o.State == "live"
		}
		return live && (!record || j.Outputs.Record != nil && j.Outputs.Record.Segments > 0)
	})
}

// meanRSS is a process's mean resident set over d, sampled every 250 ms.
func meanRSS(b *testing.B, pid int, d time.Duration) int64 {
	var sum, n int64
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		sum += procRSS(b, pid)
		n++
	}
	return sum / n
}

func workerCPU(b *testing.B, pid int) time.Duration {
	d, err := procRuntime(pid)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// procRSS is a process's resident set, from /proc.
func procRSS(b *testing.B, pid int) int64 {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(st), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}
