package bench

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/nginxrtmp"
)

// The in-process job benchmark: what a passthrough job (one H.264
// participant at 1280x720 30 fps, one RTMP output) costs above the
// room's own ingest, read in process by the all-in-one server's worker
// against read over WebRTC by a standalone worker. Both setups run side
// by side and are measured in the same windows: first with the
// publishers alone (the room's ingest), then with one job each.
const jobLocalWindow = 12 * time.Second

// jobSetup is one room server with one publisher.
type jobSetup struct {
	name string
	srv  *harness.Server
}

func BenchmarkJobCostInProcess(b *testing.B) {
	bin, cleanup, err := harness.BuildBinary()
	if err != nil {
		b.Fatal(err)
	}
	defer cleanup()
	for i := 0; i < b.N; i++ {
		local, webrtc := measureJobInProcess(b, bin)
		b.ReportMetric(local, "%core-local")
		b.ReportMetric(webrtc, "%core-webrtc")
	}
}

func measureJobInProcess(b *testing.B, bin string) (local, webrtc float64) {
	ng := nginxrtmp.Start(b, nginxrtmp.Options{NoTLS: true})
	n := harness.StartNATS(b, bin)
	inproc := harness.StartServerIn(b, bin, b.TempDir(), "ROOMCAST_LOG_LEVEL=info")
	store := "ROOMCAST_STORAGE_LOCAL_PATH=" + b.TempDir() // shared by the room server and the worker
	remote := harness.StartServerIn(b, bin, b.TempDir(), "ROOMCAST_NATS_URL="+n.URL, "ROOMCAST_WORKERS=0", "ROOMCAST_LOG_LEVEL=info", store)
	w := harness.StartWorker(b, bin, n.URL, remote, "cost", "ROOMCAST_LOG_LEVEL=info", store)
	setups := []*jobSetup{
		{name: "in-process", srv: inproc},
		{name: "webrtc", srv: remote},
	}
	for _, s := range setups {
		s.srv.CreateRoom(b, "cost")
		s.srv.StartPublisherSize(b, "cost", "p0", "h264", 1280, 720, 5*time.Minute)
	}
	for _, s := range setups {
		harness.Eventually(b, 30*time.Second, s.name+" publisher", func() bool {
			info := s.srv.RoomInfo(b, "cost")
			return len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
		})
	}
	time.Sleep(3 * time.Second) // settle: the publishers' encoders
	pids := []int{inproc.PID(), remote.PID(), w.PID()}
	ingest := cpuWindow(b, pids)
	for _, s := range setups {
		startPassthrough(b, s.srv, ng)
	}
	time.Sleep(3 * time.Second) // settle: first GOP, AAC encoder warm-up
	withJob := cpuWindow(b, pids)
	local = withJob[0] - ingest[0]
	webrtc = (withJob[1] - ingest[1]) + (withJob[2] - ingest[2]) // the room server's subscriber, the worker
	if info := inproc.RoomInfo(b, "cost"); info.LocalSubscribers != 1 || info.Subscribers != 0 {
		b.Errorf("in-process room: %d local, %d WebRTC subscribers; want 1 and 0", info.LocalSubscribers, info.Subscribers)
	}
	printJobInProcess(os.Stderr, ingest, withJob, local, webrtc)
	return local, webrtc
}

// startPassthrough starts a job with one RTMP output and waits until the
// output is live.
func startPassthrough(b *testing.B, s *harness.Server, ng *nginxrtmp.Server) {
	var job struct{ ID string }
	// The default layout (speaker, priced as a composite) shows the one
	// H.264 participant alone, so its video passes through.
	body := map[string]any{"room": "cost", "outputs": map[string]any{"rtmp": []string{ng.RTMPURL(ng.App(), fmt.Sprintf("cost-%p", s))}}}
	if code := s.Do(b, "POST", "/v1/egress", body, &job); code != http.StatusCreated {
		b.Fatalf("POST: %d", code)
	}
	harness.Eventually(b, 30*time.Second, "output live", func() bool {
		var j struct {
			Outputs struct{ RTMP []struct{ State string } }
		}
		s.Do(b, "GET", "/v1/egress/"+job.ID, nil, &j)
		return len(j.Outputs.RTMP) == 1 && j.Outputs.RTMP[0].State == "live"
	})
}

// cpuWindow measures the CPU of each process over one window, in
// percent of one core.
func cpuWindow(b *testing.B, pids []int) []float64 {
	c0 := make([]time.Duration, len(pids))
	for i, pid := range pids {
		var err error
		if c0[i], err = procRuntime(pid); err != nil {
			b.Fatal(err)
		}
	}
	t0 := time.Now()
	time.Sleep(jobLocalWindow)
	out := make([]float64, len(pids))
	for i, pid := range pids {
		c1, err := procRuntime(pid)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = 100 * (c1 - c0[i]).Seconds() / time.Since(t0).Seconds()
	}
	return out
}

func printJobInProcess(w io.Writer, ingest, withJob []float64, local, webrtc float64) {
	fmt.Fprintf(w, "\npassthrough job (1280x720 30 fps H.264, one RTMP output), %% of one core over %v, side by side:\n", jobLocalWindow)
	fmt.Fprintf(w, "%-34s %8s %8s\n", "", "ingest", "+job")
	fmt.Fprintf(w, "%-34s %7.1f%% %7.1f%%\n", "all-in-one server (in process)", ingest[0], withJob[0])
	fmt.Fprintf(w, "%-34s %7.1f%% %7.1f%%\n", "room server (WebRTC subscriber)", ingest[1], withJob[1])
	fmt.Fprintf(w, "%-34s %7.1f%% %7.1f%%\n", "standalone worker", ingest[2], withJob[2])
	fmt.Fprintf(w, "job above the room's ingest: in process %.1f %%, over WebRTC %.1f %% (room server %+.1f %%, worker %+.1f %%); ratio %.2f\n",
		local, webrtc, withJob[1]-ingest[1], withJob[2]-ingest[2], local/webrtc)
}
