package bench

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/roomcast/roomcast/storage/storetest"
	"github.com/roomcast/roomcast/test/harness"
)

// The stop-to-complete benchmark: a real server records a publisher
// through an egress job; the job is stopped once it has closed
// stopSegments segments, and the recording's manifest is polled until it
// says complete.
const (
	stopRepeats  = 3
	stopSegments = 2
	stopPoll     = 20 * time.Millisecond
	// stopCompleteWithin bounds the wait for "complete" after DELETE.
	stopCompleteWithin = 30 * time.Second
)

// stopSample is one recording stopped.
type stopSample struct {
	delete   time.Duration // DELETE /v1/egress/{id} until its answer
	complete time.Duration // DELETE sent until the manifest says complete
	notYet   time.Duration // DELETE sent until the last poll answered otherwise was sent: a lower bound
	segments int           // in the complete manifest
	media    float64       // seconds, in the complete manifest
}

// stopResult is one backend's samples, or why there are none.
type stopResult struct {
	backend string
	samples []stopSample
	missing string // set when the recordings API never answered
}

// BenchmarkRecordStopToComplete measures, on a real `roomcast serve`
// recording a 320x240 H.264 publisher at 640x360 800 kbit/s in 4 s
// segments, how long DELETE /v1/egress/{id} takes and how long from
// sending it until GET /v1/recordings/{id} says complete, with a real
// MinIO and with the local store, stopRepeats times each.
func BenchmarkRecordStopToComplete(b *testing.B) {
	var results []stopResult
	backends := []struct {
		name string
		env  func(b *testing.B) []string
	}{
		{"s3", minioEnv},
		{"local", func(*testing.B) []string { return []string{"ROOMCAST_STORAGE_BACKEND=local"} }},
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			var res stopResult
			for i := 0; i < b.N; i++ {
				res = benchStopToComplete(b, be.env(b))
			}
			res.backend = be.name
			reportStop(b, res)
			results = append(results, res)
		})
	}
	printStopTable(os.Stderr, results)
}

func minioEnv(b *testing.B) []string {
	m := storetest.StartMinIO(b)
	return []string{
		"ROOMCAST_STORAGE_BACKEND=s3", "ROOMCAST_S3_ENDPOINT=" + m.Endpoint, "ROOMCAST_S3_BUCKET=bench",
		"ROOMCAST_S3_REGION=" + m.Region, "ROOMCAST_S3_PATH_STYLE=true", "ROOMCAST_S3_CREATE_BUCKET=true",
		"AWS_ACCESS_KEY_ID=" + m.AccessKey, "AWS_SECRET_ACCESS_KEY=" + m.SecretKey,
	}
}

// benchStopToComplete runs one server and publisher for all repeats, one
// egress job (one recording) per repeat.
func benchStopToComplete(b *testing.B, env []string) stopResult {
	b.StopTimer()
	s := harness.StartServer(b, roomcastBinary(b), append(env, "ROOMCAST_LOG_LEVEL=info")...)
	s.CreateRoom(b, "bench")
	s.StartPublisher(b, "bench", "host", "h264", stopRepeats*time.Minute+time.Minute)
	harness.Eventually(b, 60*time.Second, "publisher's tracks in the room", func() bool {
		info := s.RoomInfo(b, "bench")
		return len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
	})
	var res stopResult
	for range stopRepeats {
		smp, missing := stopOnce(b, s)
		if missing != "" {
			res.missing = missing
			return res
		}
		res.samples = append(res.samples, smp)
	}
	return res
}

// stopOnce records until stopSegments segments are closed, stops the job
// and waits for the manifest to say complete. missing says why it could
// not: the recordings API did not answer.
func stopOnce(b *testing.B, s *harness.Server) (stopSample, string) {
	job := s.StartRecording(b, "bench")
	rid := job.Outputs.Record.RecordingID
	harness.Eventually(b, 60*time.Second, fmt.Sprintf("%d segments", stopSegments), func() bool {
		job = getRecordEgress(b, s, job.ID)
		if job.Status == "failed" || job.Status == "complete" {
			b.Fatalf("egress ended: %+v\n%s", job, s.Output())
		}
		return job.Outputs.Record != nil && job.Outputs.Record.Segments >= stopSegments
	})
	b.StartTimer()
	t0 := time.Now()
	if code := s.Do(b, "DELETE", "/v1/egress/"+job.ID, nil, nil); code != http.StatusOK {
		b.Fatalf("stop egress: status %d", code)
	}
	smp := stopSample{delete: time.Since(t0)}
	var last int
	for deadline := t0.Add(stopCompleteWithin); ; time.Sleep(stopPoll) {
		var m struct {
			Status   string  `json:"status"`
			Duration float64 `json:"duration_seconds"`
			Segments []struct {
				Name string `json:"name"`
			} `json:"segments"`
		}
		sent := time.Since(t0)
		last = s.Do(b, "GET", "/v1/recordings/"+rid, nil, &m)
		if last == http.StatusOK && m.Status == "complete" {
			smp.complete, smp.segments, smp.media = time.Since(t0), len(m.Segments), m.Duration
			break
		}
		smp.notYet = sent
		if time.Now().After(deadline) {
			b.StopTimer()
			if last != http.StatusOK {
				return smp, fmt.Sprintf("GET /v1/recordings/%s answered %d for %s after stop", rid, last, stopCompleteWithin)
			}
			b.Fatalf("recording %s still %q %s after stop", rid, m.Status, stopCompleteWithin)
		}
	}
	b.StopTimer()
	harness.Eventually(b, 30*time.Second, "egress job ended", func() bool {
		st := getRecordEgress(b, s, job.ID).Status
		return st == "complete" || st == "failed"
	})
	return smp, ""
}

func getRecordEgress(b *testing.B, s *harness.Server, id string) harness.RecordJob {
	b.Helper()
	var j harness.RecordJob
	s.GetEgress(b, id, &j)
	return j
}

// spread is the min, median and max of ds.
func spread(ds []time.Duration) (lo, med, hi time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	med = s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return s[0], med, s[n-1]
}

func (r stopResult) series() (del, comp, notYet []time.Duration) {
	for _, s := range r.samples {
		del, comp, notYet = append(del, s.delete), append(comp, s.complete), append(notYet, s.notYet)
	}
	return del, comp, notYet
}

func reportStop(b *testing.B, r stopResult) {
	if len(r.samples) == 0 {
		b.Logf("%s: no stop-to-complete figure: %s", r.backend, r.missing)
		return
	}
	del, comp, _ := r.series()
	for _, m := range []struct {
		name string
		ds   []time.Duration
	}{{"delete", del}, {"complete", comp}} {
		lo, med, hi := spread(m.ds)
		b.ReportMetric(float64(lo.Microseconds())/1000, m.name+"-ms-min")
		b.ReportMetric(float64(med.Microseconds())/1000, m.name+"-ms-median")
		b.ReportMetric(float64(hi.Microseconds())/1000, m.name+"-ms-max")
	}
}

func printStopTable(w io.Writer, results []stopResult) {
	if len(results) == 0 {
		return
	}
	fmt.Fprintf(w, "\nstop to complete: roomcast serve recording a 320x240 H.264 publisher at 640x360 800 kbit/s, 4 s segments,\n")
	fmt.Fprintf(w, "stopped after %d closed segments; %d recordings per backend; ms min / median / max\n", stopSegments, stopRepeats)
	fmt.Fprintf(w, "%-6s %24s %26s %26s  %s\n", "store", "DELETE /v1/egress/{id}", "stop → manifest complete",
		"last seen not complete", "segments/media s")
	for _, r := range results {
		if len(r.samples) == 0 {
			fmt.Fprintf(w, "%-6s no figure: %s\n", r.backend, r.missing)
			continue
		}
		del, comp, notYet := r.series()
		var segs []string
		for _, s := range r.samples {
			segs = append(segs, fmt.Sprintf("%d/%.1f", s.segments, s.media))
		}
		fmt.Fprintf(w, "%-6s %24s %26s %26s  %v\n", r.backend, fmtSpread(del), fmtSpread(comp), fmtSpread(notYet), segs)
	}
	fmt.Fprintf(w, "stop → complete: from sending DELETE until GET /v1/recordings/{id} answers status complete, polled every %s\n", stopPoll)
	fmt.Fprintf(w, "  from the DELETE's answer on; it includes the DELETE, which returns once the job has ended. \"last seen not\n")
	fmt.Fprintf(w, "  complete\" is when the last poll that was answered otherwise was sent (0: the first poll already saw it): the\n")
	fmt.Fprintf(w, "  manifest became complete between the two.\n\n")
}

func fmtSpread(ds []time.Duration) string {
	lo, med, hi := spread(ds)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return fmt.Sprintf("%.0f / %.0f / %.0f", ms(lo), ms(med), ms(hi))
}
