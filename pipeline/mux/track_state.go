package mux

import (
	"fmt"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// trackState is one track's part of the segment being built. It holds
// back the newest sample until the next one gives its duration.
type trackState struct {
	track     *media.Track
	id        uint32
	timescale uint32
	nominal   uint32 // ticks of one frame: 1/fps or 1024 samples
	avc       avcParams

	held     *sample
	samples  []sample
	baseTime uint64 // decode time of the segment's first sample
	started  bool   // the segment has a sample of this track
	firstPTS time.Duration
	lastDTS  uint64 // of the newest sample, to drop units out of order
	hasLast  bool
}

func newTrackState(t *media.Track, id uint32) (*trackState, error) {
	s := &trackState{track: t, id: id}
	switch t.Codec {
	case media.CodecH264:
		p, err := parseAVCConfig(t.Config)
		if err != nil {
			return nil, fmt.Errorf("track %s: %w", t.ID, err)
		}
		s.avc = p
		s.timescale = 90000
		fps := t.FPS
		if fps <= 0 {
			fps = 30
		}
		s.nominal = uint32(90000 / fps)
	case media.CodecAAC:
		if len(t.Config) < 2 || len(t.Config) > 64 {
			return nil, fmt.Errorf("track %s: AAC needs an AudioSpecificConfig: %w", t.ID, ErrBadConfig)
		}
		s.timescale = uint32(t.SampleRate)
		if s.timescale == 0 {
			s.timescale = 48000
		}
		s.nominal = 1024
	default:
		return nil, fmt.Errorf("track %s: codec %q: %w", t.ID, t.Codec, ErrUnsupportedCodec)
	}
	return s, nil
}

// ticks converts d to the track's timescale, rounding to the nearest tick.
func (s *trackState) ticks(d time.Duration) int64 {
	sec, frac := int64(d/time.Second), int64(d%time.Second)
	return sec*int64(s.timescale) + (frac*int64(s.timescale)+int64(time.Second)/2)/int64(time.Second)
}

func (s *trackState) duration(ticks uint64) time.Duration {
	ts := uint64(s.timescale)
	return time.Duration(ticks/ts)*time.Second + time.Duration(ticks%ts)*time.Second/time.Duration(ts)
}

// elapsed is how far dts lies after the segment's first sample.
func (s *trackState) elapsed(dts uint64) uint64 {
	if !s.started || dts < s.baseTime {
		return 0
	}
	return dts - s.baseTime
}

// add holds smp and closes the previously held sample with the gap to
// smp, which must decode after every earlier sample.
func (s *trackState) add(smp sample, pts time.Duration) {
	if s.held != nil {
		s.close(smp.dts - s.held.dts)
	}
	if !s.started {
		s.started, s.baseTime, s.firstPTS = true, smp.dts, pts
	}
	s.held = &smp
	s.lastDTS, s.hasLast = smp.dts, true
}

// close appends the held sample with the given duration (0: nominal).
func (s *trackState) close(d uint64) {
	if s.held == nil {
		return
	}
	if d == 0 || d > 1<<32-1 {
		d = uint64(s.nominal)
	}
	s.held.duration = uint32(d)
	s.samples = append(s.samples, *s.held)
	s.held = nil
}

// take returns the segment's samples of this track and starts a new segment.
func (s *trackState) take() (fragmentTrack, time.Duration) {
	ft := fragmentTrack{id: s.id, baseTime: s.baseTime, samples: s.samples}
	var total uint64
	for _, smp := range s.samples {
		total += uint64(smp.duration)
	}
	s.samples, s.started = nil, false
	return ft, s.duration(total)
}
