package rawrec

import (
	"errors"
	"sync"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// Nominal unit durations, for the last unit of a track when no gap to a
// previous one is known.
const (
	nominalVideoFrame = time.Second / 30
	nominalAudioFrame = 20 * time.Millisecond
)

// trackRecorder records one track: it checks units, rotates parts and
// hands closed parts over.
type trackRecorder struct {
	r           *Recorder
	track       media.Track // a copy, so the caller's may change
	codec       codecTrack  // nil: codec not recorded
	participant string
	trackID     string

	mu       sync.Mutex
	part     *partFile
	finished bool
	hasLast  bool
	lastPTS  time.Duration
	lastGap  time.Duration
	losing   bool // parts fail to open: OnLost was called for this spell
}

func newTrackRecorder(r *Recorder, t *media.Track) *trackRecorder {
	return &trackRecorder{
		r:           r,
		track:       *t,
		codec:       newCodecTrack(t),
		participant: participantName(t.ParticipantName, t.ParticipantID),
		trackID:     sanitize(t.ID),
	}
}

func (t *trackRecorder) unit(u *media.Unit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.codec == nil {
		return
	}
	if err := t.add(u); err != nil {
		t.r.dropped.Add(1)
		return
	}
	t.r.units.Add(1)
	if t.hasLast {
		t.lastGap = u.PTS - t.lastPTS
	}
	t.hasLast, t.lastPTS = true, u.PTS
}

// add writes u to the open part, rotating or opening one first when u may
// start a part.
func (t *trackRecorder) add(u *media.Unit) error {
	if t.finished || len(u.Data) == 0 || len(u.Data) > maxUnitSize {
		return errBadUnit
	}
	if t.hasLast && u.PTS <= t.lastPTS {
		return errBadUnit
	}
	start, err := t.codec.check(u)
	if err != nil {
		return err
	}
	if t.part != nil && start && u.PTS-t.part.file.Start >= t.r.cfg.PartDuration {
		t.closePart(u.PTS)
	}
	if t.part == nil {
		if !start {
			return errBadUnit
		}
		return t.openPart(u)
	}
	if err := t.part.w.write(u); err != nil {
		if !errors.Is(err, errBadUnit) {
			t.r.errs.Add(1)
			t.r.log.Error("rawrec: write unit", "name", t.part.file.Name, "err", err)
			t.closePart(t.lastPTS + t.gap())
		}
		return err
	}
	return nil
}

func (t *trackRecorder) openPart(u *media.Unit) error {
	p, err := t.newPart(u)
	if err != nil {
		if !errors.Is(err, errBadUnit) {
			t.r.errs.Add(1)
			t.r.log.Error("rawrec: open part", "track", t.track.ID, "err", err)
			if !t.losing {
				t.losing = true
				t.lost(err)
			}
		}
		return err
	}
	t.part, t.losing = p, false
	return nil
}

func (t *trackRecorder) lost(err error) {
	if t.r.cfg.OnLost != nil {
		t.r.cfg.OnLost(t.track.ID, err)
	}
}

// gap is the duration of the newest unit, as far as it is known.
func (t *trackRecorder) gap() time.Duration {
	if t.lastGap > 0 {
		return t.lastGap
	}
	if t.track.Codec.Kind() == media.KindAudio {
		return nominalAudioFrame
	}
	return nominalVideoFrame
}

// closePart finishes the open part at end and hands it over.
func (t *trackRecorder) closePart(end time.Duration) error {
	p := t.part
	t.part = nil
	if p == nil {
		return nil
	}
	f, err := p.close(end)
	if err != nil {
		t.r.errs.Add(1)
		t.lost(err)
		return err
	}
	t.r.files.Add(1)
	t.r.bytes.Add(f.Size)
	if t.r.cfg.OnFile != nil {
		t.r.cfg.OnFile(f)
	}
	return nil
}

// finish closes the open part for good; later units are dropped.
func (t *trackRecorder) finish() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.finished {
		return nil
	}
	t.finished = true
	return t.closePart(t.lastPTS + t.gap())
}
