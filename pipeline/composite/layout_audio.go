package composite

import (
	"time"

	"github.com/roomcast/roomcast/pipeline/codec"
	"github.com/roomcast/roomcast/pipeline/media"
)

// audioUnit decodes one participant's audio into the mixer and feeds its
// level to the speaker selector. Called with l.mu held.
func (l *Layout) audioUnit(in *inputTrack, u *media.Unit) {
	if err := l.ensureMixer(); err != nil {
		l.log.Warn("audio mixer", "err", err)
		return
	}
	if l.muted(in.track) {
		return // left out of the mix, and so never the speaker
	}
	frames, err := l.decodeAudio(in, u)
	if err != nil {
		in.errors++
		l.log.Debug("audio decode", "track", in.track.ID, "err", err)
		return
	}
	for _, f := range frames {
		pcm := PCM{PTS: f.PTS, Samples: f.Samples}
		if in.seen && f.PTS-in.lastEnd > audioGap {
			in.gaps++
		}
		in.lastEnd, in.seen = f.PTS+frameToPTS(int64(pcm.Frames())), true
		in.placed.add(l.mixer.Push(in.track.ParticipantID, pcm))
		if _, changed := l.selector.Observe(in.track.ParticipantID, f.PTS, Level(pcm)); changed {
			l.log.Info("active speaker", "participant", l.selector.Current())
		}
	}
}

// ensureMixer starts the mix at the oldest unit the layout has seen, at
// the first audio unit or at the output's first step, whichever comes
// first. The output then has audio, silence while nobody speaks, from its
// start to its end, even in a room without any: audio that started later
// would trail the passed-through video, which would run alone until then,
// and lose its first part as late. Called with l.mu held, after the clock
// has observed a unit.
func (l *Layout) ensureMixer() error {
	if l.mixer != nil {
		return nil
	}
	start, ok := l.clock.oldestPTS()
	if !ok {
		return nil
	}
	m, err := NewMixer(MixerConfig{Start: &start})
	if err != nil {
		return err
	}
	l.mixer = m
	return nil
}

func (l *Layout) decodeAudio(in *inputTrack, u *media.Unit) ([]*codec.AudioFrame, error) {
	if in.audio == nil {
		d, err := codec.NewAudioDecoder(u.Track.Codec)
		if err != nil {
			return nil, err
		}
		r, err := codec.NewResampler(SampleRate, Channels)
		if err != nil {
			d.Close()
			return nil, err
		}
		in.audio, in.resam = d, r
	}
	start := time.Now()
	defer func() { l.decodeNanos.Add(int64(time.Since(start))) }()
	frames, err := in.audio.Decode(u)
	if err != nil {
		return nil, err
	}
	out := frames[:0]
	for _, f := range frames {
		if f.SampleRate != SampleRate || f.Channels != Channels {
			if f, err = in.resam.Resample(f); err != nil || f == nil {
				continue
			}
		}
		out = append(out, f)
	}
	return out, nil
}
