package egress

import (
	"context"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/media"
)

// reportingMedia is a Media with a fixed quality report.
type reportingMedia struct{ q composite.Quality }

func (m reportingMedia) Run(ctx context.Context, _ func(*media.Unit)) error {
	<-ctx.Done()
	return nil
}
func (reportingMedia) EncodeTime() time.Duration    { return 0 }
func (reportingMedia) DecodeTime() time.Duration    { return 0 }
func (m reportingMedia) Quality() composite.Quality { return m.q }

// TestQualityReportsOutputDrops: the job's report says how many encoded
// units its output dropped as late, and leaves the field out when none.
func TestQualityReportsOutputDrops(t *testing.T) {
	j := &Job{media: reportingMedia{composite.Quality{AudioDropped: 3, VideoDropped: 1}}}
	j.mu.Lock()
	q := j.quality()
	j.mu.Unlock()
	if q == nil || q.Output == nil || q.Output.AudioUnits != 3 || q.Output.VideoUnits != 1 {
		t.Fatalf("report %+v, want 3 audio and 1 video units dropped", q)
	}
	j = &Job{media: reportingMedia{}}
	j.mu.Lock()
	q = j.quality()
	j.mu.Unlock()
	if q == nil || q.Output != nil {
		t.Fatalf("report %+v, want no output drops", q)
	}
}
