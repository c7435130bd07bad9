package remux

import (
	"context"
	"errors"
	"fmt"
	"github.com/roomcast/roomcast/pipeline/mp4box"
	"io"
	"math"
	"sync"
	"time"
)

// Errors of Build; returned errors wrap one of them.
var (
	ErrNoSegments       = errors.New("remux: no segments")
	ErrMalformed        = errors.New("remux: malformed box")
	ErrUnsupported      = errors.New("remux: unsupported layout")
	ErrUnknownTrack     = errors.New("remux: segment has a track its init does not")
	ErrInconsistentInit = errors.New("remux: inits differ in tracks or codecs")
	ErrShortSegment     = errors.New("remux: segment shorter than its moof says")
)

// Segment is one media segment of a recording, in play order.
type Segment struct {
	Name string // object name passed to Fetch
	Init string // name of its init segment (ftyp+moov); segments may switch inits (e.g. after a restart)
}

// Fetch opens a stored object by name. Callers may Close early (remux
// only reads the head of media segments in Build). Build calls it from
// several goroutines at once.
type Fetch func(ctx context.Context, name string) (io.ReadCloser, error)

// File is the laid-out progressive MP4: its header in memory and where
// each segment's mdat payload goes. It does not change after Build, so
// many readers may use it at once.
type File struct {
	header   []byte // ftyp + moov + mdat header
	parts    []part
	size     int64
	duration time.Duration
	fetch    Fetch
}

// part is one segment's mdat payload in the output.
type part struct {
	name string
	off  int64 // in the output file
	src  int64 // in the stored segment
	n    int64
}

// Size is the total bytes of the output MP4.
func (f *File) Size() int64 { return f.size }

// Duration is the movie duration (longest track, including its delay).
func (f *File) Duration() time.Duration { return f.duration }

// headWorkers bounds the media segment heads fetched at once.
const headWorkers = 8

// builder collects tracks and parts while the segments are read.
type builder struct {
	fetch  Fetch
	inits  map[string]*initSegment
	first  *initSegment
	tracks map[uint32]*track
	parts  []part
	pay    int64 // bytes of mdat payload so far
}

// Build reads every init segment fully and only the styp+moof head of
// each media segment (closing the body right after moof), and lays out
// the output file. Heads are fetched concurrently (up to 8 at a time), so
// fetch must be safe for concurrent use.
func Build(ctx context.Context, segs []Segment, fetch Fetch) (*File, error) {
	if len(segs) == 0 {
		return nil, ErrNoSegments
	}
	if fetch == nil {
		return nil, errors.New("remux: nil Fetch")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("remux: %w", err)
	}
	b := &builder{fetch: fetch, inits: map[string]*initSegment{}, tracks: map[uint32]*track{}}
	for _, s := range segs {
		if _, err := b.init(ctx, s.Init); err != nil {
			return nil, fmt.Errorf("remux: segment %q: init %q: %w", s.Name, s.Init, err)
		}
	}
	frags, err := b.heads(ctx, segs)
	if err != nil {
		return nil, err
	}
	for i, s := range segs {
		if err := b.add(b.inits[s.Init], frags[i], s.Name); err != nil {
			return nil, fmt.Errorf("remux: segment %q: %w", s.Name, err)
		}
	}
	return b.layout()
}

// add appends one segment's runs to the tracks and its mdat to the parts.
func (b *builder) add(init *initSegment, frag *fragment, name string) error {
	for _, r := range frag.runs {
		t := b.tracks[r.trackID]
		it := init.track(r.trackID)
		if r.sdi == 0 || int(r.sdi) > len(it.entries) {
			return fmt.Errorf("track %d: sample description %d of %d: %w", r.trackID, r.sdi, len(it.entries), ErrMalformed)
		}
		sdi := t.entryIndex(it.entries[r.sdi-1])
		if err := t.add(r, b.pay+r.start-frag.mdatStart, sdi); err != nil {
			return err
		}
	}
	if frag.mdatSize > math.MaxInt64-b.pay {
		return fmt.Errorf("mdat of %d bytes: %w", frag.mdatSize, ErrMalformed)
	}
	b.parts = append(b.parts, part{name: name, off: b.pay, src: frag.mdatStart, n: frag.mdatSize})
	b.pay += frag.mdatSize
	return nil
}

// init returns the parsed init segment, reading it on first use.
func (b *builder) init(ctx context.Context, name string) (*initSegment, error) {
	if init, ok := b.inits[name]; ok {
		return init, nil
	}
	raw, err := b.fetchAll(ctx, name)
	if err != nil {
		return nil, err
	}
	init, err := parseInit(raw)
	if err != nil {
		return nil, err
	}
	if b.first == nil {
		b.first = init
		for _, t := range init.tracks {
			b.tracks[t.id] = &track{info: t}
		}
	} else if err := sameLayout(b.first, init); err != nil {
		return nil, err
	}
	b.inits[name] = init
	return init, nil
}

func (b *builder) fetchAll(ctx context.Context, name string) ([]byte, error) {
	rc, err := b.fetch(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, maxInit+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(raw) > maxInit {
		return nil, fmt.Errorf("over %d bytes: %w", maxInit, ErrMalformed)
	}
	return raw, nil
}

// heads fetches and parses every segment's head, a few at a time. The
// first failure stops the rest and is the error returned.
func (b *builder) heads(ctx context.Context, segs []Segment) ([]*fragment, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	frags := make([]*fragment, len(segs))
	var once sync.Once
	var first error
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(headWorkers, len(segs)) {
		wg.Go(func() {
			for i := range next {
				var err error
				frags[i], err = b.head(ctx, segs[i].Name, b.inits[segs[i].Init])
				if err != nil {
					once.Do(func() { first = fmt.Errorf("remux: segment %q: %w", segs[i].Name, err) })
					cancel()
				}
			}
		})
	}
feed:
	for i := range segs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = fmt.Errorf("remux: %w", ctx.Err())
	}
	return frags, first
}

// head reads and parses a media segment's head, then closes its body.
func (b *builder) head(ctx context.Context, name string, init *initSegment) (*fragment, error) {
	rc, err := b.fetch(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	defer rc.Close()
	return parseFragment(rc, init)
}

// layout places the tracks on the movie timeline and writes the header.
func (b *builder) layout() (*File, error) {
	tracks := b.outTracks()
	if len(tracks) == 0 {
		return nil, fmt.Errorf("no samples in any segment: %w", ErrMalformed)
	}
	var movie time.Duration
	for _, t := range tracks {
		movie = max(movie, t.duration())
	}
	mdatHdr := int64(8)
	if b.pay > math.MaxUint32-8 {
		mdatHdr = 16
	}
	// The moov's size depends on stco vs co64 but not on the offsets'
	// values: measure, then write again with the real base.
	co64 := needsCo64(tracks, int64(len(writeHeader(tracks, movie, 0, false, b.pay, mdatHdr))))
	base := int64(len(writeHeader(tracks, movie, 0, co64, b.pay, mdatHdr)))
	header := writeHeader(tracks, movie, base, co64, b.pay, mdatHdr)
	f := &File{header: header, parts: b.parts, size: base + b.pay, duration: movie, fetch: b.fetch}
	for i := range f.parts {
		f.parts[i].off += base
	}
	return f, nil
}

// outTracks returns the tracks that have samples, in the first init's
// order, with their delays from the earliest track's first decode time.
func (b *builder) outTracks() []outTrack {
	var out []outTrack
	var start time.Duration
	for _, it := range b.first.tracks {
		t := b.tracks[it.id]
		if !t.started {
			continue
		}
		first := toDuration(t.firstDTS, it.timescale)
		if len(out) == 0 || first < start {
			start = first
		}
		out = append(out, outTrack{track: t, delay: first})
	}
	for i := range out {
		out[i].delay -= start
	}
	return out
}

func writeHeader(tracks []outTrack, movie time.Duration, base int64, co64 bool, payload, mdatHdr int64) []byte {
	w := &mp4box.Writer{}
	writeFtyp(w)
	writeMoov(w, tracks, movie, base, co64)
	if mdatHdr == 16 {
		w.U32(1)
		w.Str("mdat")
		w.U64(uint64(payload + 16))
	} else {
		w.U32(uint32(payload + 8))
		w.Str("mdat")
	}
	return w.B
}
