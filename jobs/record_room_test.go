package jobs

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomcast/roomcast/api/types"
)

// TestRecordingWaitsForSpoolRoom: while the worker's spool is low a new
// job with a recording stays pending with the spool's reason, a job
// without one runs, and the recording job starts once there is room.
func TestRecordingWaitsForSpoolRoom(t *testing.T) {
	b := newBus(t)
	c := b.client()
	var low atomic.Bool
	low.Store(true)
	deps := testDeps()
	deps.RecordRoom = func() error {
		if low.Load() {
			return errors.New("spool nearly full: 1.0 MiB of 64.0 MiB left")
		}
		return nil
	}
	b.workerWith("w1", 100, deps)
	rec := types.Spec{Room: "r1", Outputs: types.OutputsSpec{Record: &types.RecordSpec{SegmentSeconds: 4}}}.WithDefaults()
	recJob, err := c.Start(context.Background(), "acme", rec)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := c.Start(context.Background(), "acme", spec("r2"))
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, c, plain.ID, 10*time.Second, active)
	waiting := waitJob(t, c, recJob.ID, 10*time.Second, func(i types.Info) bool {
		return i.Status == types.StatusPending && strings.Contains(i.Reason, "cannot start a recording: spool nearly full")
	})
	t.Logf("recording job waits: %s", waiting.Reason)
	low.Store(false)
	// This worker has no archive, so the job fails as it starts: what
	// counts is that the worker took it.
	taken := waitJob(t, c, recJob.ID, 10*time.Second, func(i types.Info) bool { return i.Status != types.StatusPending })
	if taken.Worker != "w1" || strings.Contains(taken.Reason, "spool") {
		t.Fatalf("job after the spool has room: %+v", taken)
	}
}
