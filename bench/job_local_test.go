package bench

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
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
const jobLocalWindow = 20 * time.Second

// jobLocalWarmup passes between a job's start and its window: a job
// joining a running room gets the room's cached seconds of media at once,
// and the first seconds after it (the seed's keyframe, the layout's full
// hold until that lateness ages out, about 10 s) are not what a running
// job costs.
const jobLocalWarmup = 15 * time.Second

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
	rounds := fanoutRoundCount(b)
	// Each round: the room's ingest alone, then with a job each; the
	// ingest is also measured once more after the last round, and each
	// job window is paired with the mean of the ingest windows around it,
	// so that a drift of the machine over the run weighs less.
	ingest := make([]jobWindow, rounds+1)
	withJob := make([]jobWindow, rounds)
	for r := range rounds {
		ingest[r] = measureWindow(b, pids)
		withJob[r] = measureWithJobs(b, setups, ng, pids, inproc)
	}
	ingest[rounds] = measureWindow(b, pids)
	var locals, webrtcs []float64
	for r := range rounds {
		around := meanWindow(ingest[r], ingest[r+1])
		l := withJob[r].cpu[0] - around.cpu[0]
		wr := (withJob[r].cpu[1] - around.cpu[1]) + (withJob[r].cpu[2] - around.cpu[2]) // the room server's subscriber, the worker
		printJobInProcess(os.Stderr, r+1, ingest[r], withJob[r], ingest[r+1], around, l, wr)
		locals, webrtcs = append(locals, l), append(webrtcs, wr)
	}
	local, localSE := meanSE(locals)
	webrtc, webrtcSE := meanSE(webrtcs)
	aac := aacAnchor(b)
	fmt.Fprintf(os.Stderr, "\nover %d rounds, the job above the room's ingest: in process %.1f ± %.1f %% (goal ≤ 4 %%: %.2f×), over WebRTC %.1f ± %.1f %%; ratio %.2f\n",
		rounds, local, localSE, local/4, webrtc, webrtcSE, local/webrtc)
	fmt.Fprintf(os.Stderr, "anchor: FFmpeg's AAC encoder alone (the ffmpeg command, 128 kbit/s stereo at 48 kHz) costs %.1f %% of a core per second of audio here;\n"+
		"the in-process job is %.2f× it, and %.1f %% above it\n", aac, local/aac, local-aac)
	return local, webrtc
}

// jobWindow is what the processes measured used in one window: % of a
// core, and thread switches a second.
type jobWindow struct {
	cpu, switches []float64
}

func measureWindow(b *testing.B, pids []int) jobWindow {
	cpu, sw := cpuWindow(b, pids)
	return jobWindow{cpu: cpu, switches: sw}
}

func meanWindow(a, c jobWindow) jobWindow {
	m := jobWindow{cpu: make([]float64, len(a.cpu)), switches: make([]float64, len(a.switches))}
	for i := range a.cpu {
		m.cpu[i] = (a.cpu[i] + c.cpu[i]) / 2
		m.switches[i] = (a.switches[i] + c.switches[i]) / 2
	}
	return m
}

// measureWithJobs starts one job on each setup, measures a window once
// they have warmed up, and stops them.
func measureWithJobs(b *testing.B, setups []*jobSetup, ng *nginxrtmp.Server, pids []int, inproc *harness.Server) jobWindow {
	jobs := make([]string, len(setups))
	for i, s := range setups {
		jobs[i] = startPassthrough(b, s.srv, ng)
	}
	time.Sleep(jobLocalWarmup)
	win := measureWindow(b, pids)
	// While the jobs run: the in-process job reads the room without WebRTC.
	if info := inproc.RoomInfo(b, "cost"); info.LocalSubscribers != 1 || info.Subscribers != 0 {
		b.Errorf("in-process room: %d local, %d WebRTC subscribers; want 1 and 0", info.LocalSubscribers, info.Subscribers)
	}
	for i, s := range setups {
		if code := s.srv.Do(b, "DELETE", "/v1/egress/"+jobs[i], nil, nil); code != http.StatusOK {
			b.Fatalf("stop the %s job: status %d", s.name, code)
		}
	}
	time.Sleep(5 * time.Second) // settle: the jobs' ends
	return win
}

// startPassthrough starts a job with one RTMP output, waits until the
// output is live and returns the job's id.
func startPassthrough(b *testing.B, s *harness.Server, ng *nginxrtmp.Server) string {
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
	return job.ID
}

// cpuWindow measures the CPU of each process over one window, in
// percent of one core.
func cpuWindow(b *testing.B, pids []int) (cpu, switches []float64) {
	c0 := make([]procSample, len(pids))
	for i, pid := range pids {
		var err error
		if c0[i], err = procSched(pid); err != nil {
			b.Fatal(err)
		}
	}
	t0 := time.Now()
	time.Sleep(jobLocalWindow)
	cpu, switches = make([]float64, len(pids)), make([]float64, len(pids))
	for i, pid := range pids {
		c1, err := procSched(pid)
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0).Seconds()
		cpu[i] = 100 * (c1.run - c0[i].run).Seconds() / d
		switches[i] = float64(c1.switches-c0[i].switches) / d
	}
	return cpu, switches
}

// aacAnchor is what FFmpeg's own AAC encoder costs on this machine, in %
// of a core per second of audio: the ffmpeg command encoding a minute of a
// sine at the job's bitrate and layout, as fast as it can. The job's audio
// is that encoder, so the job's cost beside it says how much of it is
// ours. (Run in real time, between other work, the same encoder costs
// about a third more: its tables and state are no longer in the caches.)
func aacAnchor(b *testing.B) float64 {
	const seconds = 60
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", strconv.Itoa(seconds), "-af", "pan=stereo|c0=c0|c1=c0", "-c:a", "aac", "-b:a", "128k", "-f", "null", "-")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("ffmpeg: %v: %s", err, out)
	}
	used := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return 100 * used.Seconds() / seconds
}

func printJobInProcess(w io.Writer, round int, before, withJob, after, around jobWindow, local, webrtc float64) {
	fmt.Fprintf(w, "\nround %d: passthrough job (1280x720 30 fps H.264, one RTMP output), %% of one core over %v windows, side by side;\n", round, jobLocalWindow)
	fmt.Fprintf(w, "the room's ingest alone before the jobs, with them (from %v after their start), and again after them:\n", jobLocalWarmup)
	fmt.Fprintf(w, "%-34s %8s %8s %8s\n", "", "ingest", "+job", "ingest")
	names := []string{"all-in-one server (in process)", "room server (WebRTC subscriber)", "standalone worker"}
	for i, n := range names {
		fmt.Fprintf(w, "%-34s %7.1f%% %7.1f%% %7.1f%%\n", n, before.cpu[i], withJob.cpu[i], after.cpu[i])
	}
	fmt.Fprintf(w, "job above the room's ingest (the mean of both ingest windows): in process %.1f %%, over WebRTC %.1f %% (room server %+.1f %%, worker %+.1f %%); ratio %.2f\n",
		local, webrtc, withJob.cpu[1]-around.cpu[1], withJob.cpu[2]-around.cpu[2], local/webrtc)
	fmt.Fprintf(w, "in process, the job adds %.0f thread switches a second (%.0f → %.0f → %.0f)\n",
		withJob.switches[0]-around.switches[0], before.switches[0], withJob.switches[0], after.switches[0])
}
