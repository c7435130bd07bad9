package bench

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"sync/atomic"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/source"
)

// feeder is one participant's tracks (or the shared screen), read from
// their files and handed over in real time.
type feeder struct {
	tracks  []*media.Track
	readers []unitReader
	closers []io.Closer
	heads   []*media.Unit
	fed     []fedFrame      // video units handed over
	lags    []time.Duration // handed over − due, every unit
	// The publisher's answer to a keyframe request (a PLI): the next
	// video unit is replaced by the file's first frame, a keyframe, as a
	// browser's encoder sends one within a round trip. The picture is
	// wrong until the next real keyframe; the decoding work is not.
	wantKey  atomic.Bool
	keyframe []byte
}

type fedFrame struct {
	pts time.Duration
	at  time.Time
}

// openFeeders opens the spec's files: participants 0..n-1, each a camera
// and a microphone, and the screen of participant 0 when asked.
func openFeeders(spec workerSpec) ([]*feeder, error) {
	in := compositeInputs{dir: spec.Dir}
	var feeders []*feeder
	for i := range spec.Participants {
		name := participantName(i)
		f := &feeder{}
		if err := f.addVideo(in.ivf(name), name, name+"-cam", media.SourceCamera); err != nil {
			return nil, err
		}
		if err := f.addAudio(in.ogg(name), name); err != nil {
			return nil, err
		}
		feeders = append(feeders, f)
	}
	if spec.Screen {
		f := &feeder{}
		if err := f.addVideo(in.ivf(screenName), participantName(0), screenName, media.SourceScreen); err != nil {
			return nil, err
		}
		feeders = append(feeders, f)
	}
	return feeders, nil
}

func (f *feeder) addVideo(path, participant, id string, src media.Source) error {
	t := &media.Track{ID: id, Kind: media.KindVideo, Codec: media.CodecVP8, ClockRate: 90000,
		ParticipantID: participant, ParticipantName: "Participant " + participant, Source: src}
	r, c, err := openIVF(path, t)
	if err != nil {
		return err
	}
	f.tracks, f.readers, f.closers = append(f.tracks, t), append(f.readers, r), append(f.closers, c)
	return nil
}

func (f *feeder) addAudio(path, participant string) error {
	t := &media.Track{ID: participant + "-mic", Kind: media.KindAudio, Codec: media.CodecOpus, ClockRate: 48000,
		ParticipantID: participant, ParticipantName: "Participant " + participant, Source: media.SourceMicrophone}
	r, c, err := openOgg(path, t)
	if err != nil {
		return err
	}
	f.tracks, f.readers, f.closers = append(f.tracks, t), append(f.readers, r), append(f.closers, c)
	return nil
}

func (f *feeder) close() {
	for _, c := range f.closers {
		c.Close()
	}
}

// run hands the units to h, each at start + its PTS, until end or the
// end of the files.
func (f *feeder) run(h source.Handler, start, end time.Time) error {
	f.heads = make([]*media.Unit, len(f.readers))
	for i := range f.readers {
		if err := f.advance(i); err != nil {
			return err
		}
	}
	for {
		i := f.earliest()
		if i < 0 {
			return nil
		}
		u := f.heads[i]
		due := start.Add(u.PTS)
		if due.After(end) {
			return nil
		}
		time.Sleep(time.Until(due))
		u.Arrival = time.Now()
		f.lags = append(f.lags, u.Arrival.Sub(due))
		if u.Track.Kind == media.KindVideo {
			f.fed = append(f.fed, fedFrame{pts: u.PTS, at: u.Arrival})
		}
		h.Unit(f.answerKeyRequest(u))
		if err := f.advance(i); err != nil {
			return err
		}
	}
}

// answerKeyRequest returns u, or a keyframe in its place when one was
// requested.
func (f *feeder) answerKeyRequest(u *media.Unit) *media.Unit {
	if u.Track.Kind != media.KindVideo {
		return u
	}
	if u.Key && f.keyframe == nil {
		f.keyframe = u.Data
	}
	if !f.wantKey.Swap(false) || u.Key || f.keyframe == nil {
		return u
	}
	k := *u
	k.Data, k.Key = f.keyframe, true
	return &k
}

// keyframeRequests returns the Layouts' RequestKeyframe: it marks the
// feeder of the track.
func keyframeRequests(feeders []*feeder) func(trackID string) {
	byTrack := map[string]*feeder{}
	for _, f := range feeders {
		for _, t := range f.tracks {
			if t.Kind == media.KindVideo {
				byTrack[t.ID] = f
			}
		}
	}
	return func(id string) {
		if f := byTrack[id]; f != nil {
			f.wantKey.Store(true)
		}
	}
}

// advance reads reader i's next unit; nil at its end.
func (f *feeder) advance(i int) error {
	u, err := f.readers[i].next()
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		f.heads[i] = nil
		return nil
	}
	if err != nil {
		return fmt.Errorf("track %s: %w", f.tracks[i].ID, err)
	}
	f.heads[i] = u
	return nil
}

// earliest is the index of the head unit with the smallest PTS, or -1.
func (f *feeder) earliest() int {
	best := -1
	for i, u := range f.heads {
		if u != nil && (best < 0 || u.PTS < f.heads[best].PTS) {
			best = i
		}
	}
	return best
}

// fedBy returns when the newest video unit with a PTS at or before pts
// was handed over, and whether there was one.
func (f *feeder) fedBy(pts time.Duration) (time.Time, bool) {
	i := sort.Search(len(f.fed), func(i int) bool { return f.fed[i].pts > pts }) // f.fed is in PTS order
	if i == 0 {
		return time.Time{}, false
	}
	return f.fed[i-1].at, true
}
