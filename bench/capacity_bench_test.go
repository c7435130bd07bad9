package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/nginxrtmp"
)

// The capacity benchmark: how many passthrough jobs (a record output and
// two RTMP targets each, 720p30) one `roomcast worker` runs in real time
// with nothing dropped. Goal: 40 on a 2-core worker.
const (
	capWidth, capHeight, capFPS = 1280, 720, 30
	capVideoKbps                = 2500
	capGoal                     = 40
	capStep                     = 10
	capMax                      = 80
	capSettle                   = 5 * time.Second
	capWindow                   = 15 * time.Second
	// capRealTime is the share of the input's bytes each target must get
	// in the window: less means the worker fell behind.
	capRealTime = 0.9
	// capBusy stops the ramp once the worker uses this share of the
	// machine's cores: past it the rest of the machine (the room server,
	// the publisher, nginx) no longer has the CPU it needs.
	capBusy = 0.9
)

// capStats is one ramp step.
type capStats struct {
	jobs      int
	cpu       float64 // the worker's CPU, % of a core
	minShare  float64 // the least a target got of the input's bytes
	dropped   uint64  // frames the RTMP targets skipped in the window
	recDrops  int     // segments or raw parts the recordings lost
	segsShort int     // recordings that stored fewer segments than the window holds
}

func (c capStats) ok() bool {
	return c.minShare >= capRealTime && c.dropped == 0 && c.recDrops == 0 && c.segsShort == 0
}

// BenchmarkCapacity: a room with one 720p30 H.264 + Opus participant
// (a file published as it is, so no encoder competes), a `roomcast worker`
// with local storage, and nginx-rtmp. Jobs (layout single: the camera
// passes through; record in 4 s segments; two RTMP targets) are added
// capStep at a time; each step is held capWindow and checked: every
// target received at least capRealTime of the input's bytes, no target
// skipped a frame, no recording lost a segment and each stored the
// segments the window holds. The ramp ends at the first step that fails,
// or when the worker uses capBusy of the machine's cores. It reports the
// last step that passed, the worker's CPU per job, and how many jobs a
// worker with 2 cores of its own would hold at that cost.
func BenchmarkCapacity(b *testing.B) {
	for i := 0; i < b.N; i++ {
		steps := capacityRamp(b)
		reportCapacity(b, steps)
	}
}

func capacityRamp(b *testing.B) []capStats {
	bin := roomcastBinary(b)
	clip := capacityClip(b)
	ng := nginxrtmp.Start(b, nginxrtmp.Options{NoTLS: true})
	n := harness.StartNATS(b, bin)
	s := harness.StartServerIn(b, bin, b.TempDir(), "ROOMCAST_NATS_URL="+n.URL, "ROOMCAST_WORKERS=0", "ROOMCAST_LOG_LEVEL=warn")
	s.CreateRoom(b, "cap")
	s.StartPublisherArgs(b, "cap", "host", "--file", clip, "--codec", "h264", "--duration", "30m")
	harness.Eventually(b, 60*time.Second, "the publisher's tracks in the room", func() bool {
		info := s.RoomInfo(b, "cap")
		return len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
	})
	// The spool must hold every recording for ROOMCAST_SPOOL_HOLD (30 min
	// by default: 22 GB for 40 of these) before a job is admitted; the
	// ramp measures CPU, so it asks for 2 minutes.
	w := harness.StartWorker(b, bin, n.URL, s, "cap", "ROOMCAST_LOG_LEVEL=warn", "ROOMCAST_SPOOL_HOLD=2m",
		"ROOMCAST_WORKER_CAPACITY=100000", "ROOMCAST_STORAGE_BACKEND=local", "ROOMCAST_STORAGE_LOCAL_PATH="+b.TempDir())
	var ids []string
	var steps []capStats
	cores := float64(runtime.NumCPU())
	for len(ids) < capMax {
		for j, end := len(ids), len(ids)+capStep; j < end; j++ {
			ids = append(ids, startCapJob(b, s, ng, j))
		}
		if err := capWaitLive(b, s, ids[len(ids)-capStep:]); err != nil {
			fmt.Fprintf(os.Stderr, "capacity %d jobs: FAILED: %v\n", len(ids), err)
			steps = append(steps, capStats{jobs: len(ids)})
			break
		}
		time.Sleep(capSettle)
		st := measureCapStep(b, s, w.PID(), ids)
		steps = append(steps, st)
		fmt.Fprintf(os.Stderr, "capacity %d jobs: worker %.0f %%core (%.1f per job), least target share %.2f, %d frames skipped, %d recording losses, %d recordings short: %s\n",
			st.jobs, st.cpu, st.cpu/float64(st.jobs), st.minShare, st.dropped, st.recDrops, st.segsShort, map[bool]string{true: "ok", false: "FAILED"}[st.ok()])
		if !st.ok() || st.cpu >= capBusy*100*cores {
			break
		}
	}
	stopCapJobs(s, ids)
	return steps
}

// stopCapJobs asks the server to stop every job, all at once and best
// effort: past the last step the worker may be too loaded for the job bus
// to answer within a request's time (a DELETE timed out at 50 jobs and
// failed the benchmark after its figures were in), and the processes end
// with the benchmark anyway.
func stopCapJobs(s *harness.Server, ids []string) {
	var wg sync.WaitGroup
	var failed atomic.Int32
	for _, id := range ids {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodDelete, s.URL+"/v1/egress/"+id, nil)
			if err != nil {
				failed.Add(1)
				return
			}
			req.Header.Set("Authorization", "Bearer "+s.Key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				failed.Add(1)
				return
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "capacity: %d of %d jobs did not stop when asked (the machine was past its capacity); the benchmark's end stops them\n", n, len(ids))
	}
}

// capacityClip is a 10 s 720p30 H.264 (baseline, no B-frames, 1 s GOP,
// capVideoKbps) and Opus file, which `roomcast publish --file` sends as
// it is.
func capacityClip(b *testing.B) string {
	b.Helper()
	clip := filepath.Join(b.TempDir(), "cap.mkv")
	gop := strconv.Itoa(capFPS)
	kbps := strconv.Itoa(capVideoKbps) + "k"
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", capWidth, capHeight, capFPS),
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", "10", "-c:v", "libx264", "-profile:v", "baseline", "-tune", "zerolatency",
		"-b:v", kbps, "-maxrate", kbps, "-bufsize", kbps,
		"-bf", "0", "-g", gop, "-keyint_min", gop, "-sc_threshold", "0", "-pix_fmt", "yuv420p",
		"-c:a", "libopus", "-b:a", "64k", "-ac", "2", clip)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("encode the capacity clip: %v\n%s", err, out)
	}
	return clip
}

func startCapJob(b *testing.B, s *harness.Server, ng *nginxrtmp.Server, j int) string {
	outputs := map[string]any{
		"rtmp":   []string{ng.RTMPURL(ng.App(), fmt.Sprintf("cap-%d-a", j)), ng.RTMPURL(ng.App(), fmt.Sprintf("cap-%d-b", j))},
		"record": map[string]any{"segment_seconds": 4},
	}
	var job struct{ ID string }
	if code := s.Do(b, "POST", "/v1/egress", map[string]any{"room": "cap", "layout": "single", "participant": "host", "outputs": outputs}, &job); code != http.StatusCreated {
		b.Fatalf("start capacity job %d: %d", j, code)
	}
	return job.ID
}

// capWaitLive waits for every target of the jobs ids to be live and
// each recording to have a segment; the error names a job that is not.
func capWaitLive(b *testing.B, s *harness.Server, ids []string) error {
	deadline := time.Now().Add(90 * time.Second)
	for _, id := range ids {
		for {
			var j struct {
				Status  string
				Reason  string
				Error   string
				Outputs struct {
					RTMP []struct {
						State string
						Error string
					}
					Record *struct{ Segments int }
				}
			}
			s.Do(b, "GET", "/v1/egress/"+id, nil, &j)
			live := len(j.Outputs.RTMP) == 2 && j.Outputs.Record != nil && j.Outputs.Record.Segments > 0
			for _, o := range j.Outputs.RTMP {
				live = live && o.State == "live"
			}
			if live {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("job %s not live in 90 s: %+v", id, j)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	return nil
}

// capJob is what the ramp reads of a job.
type capJob struct {
	Outputs struct {
		RTMP []struct {
			State         string
			Bytes         uint64
			DroppedFrames uint64 `json:"dropped_frames"`
		}
		Record *struct {
			Segments int
			Dropped  *struct{ Segments, Raw int }
		}
	}
}

func readCapJobs(b *testing.B, s *harness.Server, ids []string) []capJob {
	jobs := make([]capJob, len(ids))
	for i, id := range ids {
		if code := s.Do(b, "GET", "/v1/egress/"+id, nil, &jobs[i]); code != http.StatusOK {
			b.Fatalf("job %s: %d", id, code)
		}
		if len(jobs[i].Outputs.RTMP) != 2 || jobs[i].Outputs.Record == nil {
			b.Fatalf("job %s: %d targets and record %v", id, len(jobs[i].Outputs.RTMP), jobs[i].Outputs.Record != nil)
		}
	}
	return jobs
}

func measureCapStep(b *testing.B, s *harness.Server, pid int, ids []string) capStats {
	j0 := readCapJobs(b, s, ids)
	c0, t0 := workerCPU(b, pid), time.Now()
	time.Sleep(capWindow)
	cpu, wall := workerCPU(b, pid)-c0, time.Since(t0)
	j1 := readCapJobs(b, s, ids)
	st := capStats{jobs: len(ids), cpu: 100 * cpu.Seconds() / wall.Seconds(), minShare: 1e9}
	want := float64(capVideoKbps) * 1000 / 8 * wall.Seconds() // the video alone
	for i := range ids {
		for k := range j1[i].Outputs.RTMP {
			a, z := j0[i].Outputs.RTMP[k], j1[i].Outputs.RTMP[k]
			st.minShare = min(st.minShare, float64(z.Bytes-a.Bytes)/want)
			st.dropped += z.DroppedFrames - a.DroppedFrames
		}
		r0, r1 := j0[i].Outputs.Record, j1[i].Outputs.Record
		if d := r1.Dropped; d != nil {
			st.recDrops += d.Segments + d.Raw
		}
		// Segments end every 4 s: a recording in real time stores at
		// least the window's whole segments less one.
		if r1.Segments-r0.Segments < int(wall/(4*time.Second))-1 {
			st.segsShort++
		}
	}
	return st
}

func reportCapacity(b *testing.B, steps []capStats) {
	passed, perJob := 0, 0.0
	for _, st := range steps {
		if st.ok() {
			passed, perJob = st.jobs, st.cpu/float64(st.jobs)
		}
	}
	if passed == 0 {
		b.Fatalf("not even %d jobs ran in real time", capStep)
	}
	if steps[len(steps)-1].jobs == passed {
		fmt.Fprintf(os.Stderr, "capacity: the ramp stopped at %d jobs with the worker at %.0f %%core: the machine's other processes need the rest\n",
			passed, steps[len(steps)-1].cpu)
	}
	dedicated := int(capBusy * 200 / perJob)
	b.ReportMetric(float64(passed), "jobs-ok")
	b.ReportMetric(perJob, "%core/job")
	b.ReportMetric(float64(dedicated), "jobs/2-core-worker")
	fmt.Fprintf(os.Stderr, "\ncapacity: %d passthrough jobs (record + 2 RTMP targets, %dx%d@%d %d kbit/s) in real time with nothing dropped, on a %d-core machine shared with the room server, the publisher and nginx (goal %d: %.2fx)\n",
		passed, capWidth, capHeight, capFPS, capVideoKbps, runtime.NumCPU(), capGoal, float64(passed)/capGoal)
	fmt.Fprintf(os.Stderr, "  the worker's CPU per job at that step: %.2f %% of a core; a worker with 2 cores of its own, at %.0f %% busy: %d jobs (goal %d: %.2fx)\n",
		perJob, capBusy*100, dedicated, capGoal, float64(dedicated)/capGoal)
}
