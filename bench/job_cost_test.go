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

// The job-cost benchmark: the CPU a `roomcast worker` process spends on
// one job of each kind (1280x720 at 30 fps, one RTMP output), which
// worker.costs defaults to (rounded up, in percent of one core).
const jobCostWindow = 15 * time.Second

type jobKindCase struct {
	kind   string
	codecs []string // one publisher each
	env    []string // the worker's, besides the defaults
}

// jobKinds are the job kinds, each read over a relay connection (the
// worker's default), and passthrough over WebRTC too, to show what the
// relay saves.
var jobKinds = []jobKindCase{
	{kind: "passthrough", codecs: []string{"h264"}},
	{kind: "passthrough-webrtc", codecs: []string{"h264"}, env: []string{"ROOMCAST_WORKER_ROOM_TRANSPORT=webrtc"}},
	{kind: "transcode", codecs: []string{"vp8"}},
	{kind: "composite", codecs: []string{"vp8", "h264"}},
}

func BenchmarkJobCost(b *testing.B) {
	bin, cleanup, err := harness.BuildBinary()
	if err != nil {
		b.Fatal(err)
	}
	defer cleanup()
	costs := map[string]float64{}
	for _, k := range jobKinds {
		b.Run(k.kind, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				costs[k.kind] = measureJobCost(b, bin, k)
			}
			b.ReportMetric(costs[k.kind], "%core")
		})
	}
	printJobCosts(os.Stderr, costs)
}

func measureJobCost(b *testing.B, bin string, k jobKindCase) float64 {
	ng := nginxrtmp.Start(b, nginxrtmp.Options{NoTLS: true})
	n := harness.StartNATS(b, bin)
	store := "ROOMCAST_STORAGE_LOCAL_PATH=" + b.TempDir() // a worker refuses a storage the server cannot read
	s := harness.StartServerIn(b, bin, b.TempDir(), "ROOMCAST_NATS_URL="+n.URL, "ROOMCAST_WORKERS=0", "ROOMCAST_LOG_LEVEL=info", store)
	w := harness.StartWorker(b, bin, n.URL, s, "cost", append([]string{"ROOMCAST_LOG_LEVEL=info", store}, k.env...)...)
	s.CreateRoom(b, "cost")
	for i, codec := range k.codecs {
		s.StartPublisherSize(b, "cost", fmt.Sprintf("p%d", i), codec, 1280, 720, 5*time.Minute)
	}
	harness.Eventually(b, 30*time.Second, "publishers", func() bool {
		return len(s.RoomInfo(b, "cost").Participants) == len(k.codecs)
	})
	// The job's price comes from its spec (the default layout is priced
	// as a composite); what the worker does comes from the tracks: one
	// H.264 participant passes through, one VP8 is transcoded.
	var job struct{ ID string }
	body := map[string]any{"room": "cost", "outputs": map[string]any{"rtmp": []string{ng.RTMPURL(ng.App(), "cost")}}}
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
	time.Sleep(3 * time.Second) // settle: first GOP, encoder warm-up
	c0, err := procRuntime(w.PID())
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	time.Sleep(jobCostWindow)
	c1, err := procRuntime(w.PID())
	if err != nil {
		b.Fatal(err)
	}
	return 100 * (c1 - c0).Seconds() / time.Since(t0).Seconds()
}

func printJobCosts(w io.Writer, costs map[string]float64) {
	fmt.Fprintf(w, "\njob cost: CPU of a roomcast worker process running one job (1280x720, 30 fps, one RTMP output), %% of one core over %v\n", jobCostWindow)
	for _, k := range jobKinds {
		if c, ok := costs[k.kind]; ok {
			fmt.Fprintf(w, "%-18s %6.1f %%\n", k.kind, c)
		}
	}
}
