package rawrec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"

	"github.com/roomcast/roomcast/pipeline/media"
)

// WebM layout (Matroska, https://www.matroska.org/technical/elements.html).
const (
	webmTrackNumber = 1
	// maxClusterSpan keeps block timecodes, int16 milliseconds relative to
	// the cluster, in range.
	maxClusterSpan = 30000 // ms
	// durationMarker is the placeholder Duration, found again in the
	// marshalled header to patch it at the end.
	durationMarker = 1234567.125
)

// webmHeader is the EBML header and the start of a Segment of unknown
// size (written in one go, then clusters follow).
type webmHeader struct {
	Header  webm.EBMLHeader `ebml:"EBML"`
	Segment struct {
		Info   webm.Info   `ebml:"Info"`
		Tracks webm.Tracks `ebml:"Tracks"`
	} `ebml:"Segment,size=unknown"`
}

type webmCluster struct {
	Cluster struct {
		Timecode uint64 `ebml:"Timecode"`
	} `ebml:"Cluster,size=unknown"`
}

type webmBlock struct {
	Block ebml.Block `ebml:"SimpleBlock"`
}

// webmPart writes a video-only WebM part: a cluster at each keyframe (or
// every maxClusterSpan), SimpleBlocks with millisecond timecodes relative
// to the part's start, and the Info Duration patched at the end.
type webmPart struct {
	w           sink
	start       time.Duration
	off         int64 // bytes written
	durationOff int64 // offset of the Duration float
	cluster     int64 // timecode of the open cluster, ms; -1 none
	buf         bytes.Buffer
}

func newWebMPart(w sink, start time.Duration, width, height int) (*webmPart, error) {
	var h webmHeader
	h.Header = *webm.DefaultEBMLHeader
	h.Segment.Info = webm.Info{TimecodeScale: 1000000, MuxingApp: "roomcast", WritingApp: "roomcast", Duration: durationMarker}
	h.Segment.Tracks.TrackEntry = []webm.TrackEntry{{
		TrackNumber: webmTrackNumber, TrackUID: 1, CodecID: "V_VP8", TrackType: 1,
		Video: &webm.Video{PixelWidth: uint64(width), PixelHeight: uint64(height)},
	}}
	p := &webmPart{w: w, start: start, cluster: -1}
	if err := ebml.Marshal(&h, &p.buf); err != nil {
		return nil, fmt.Errorf("marshal webm header: %w", err)
	}
	var marker [8]byte
	binary.BigEndian.PutUint64(marker[:], math.Float64bits(durationMarker))
	i := bytes.Index(p.buf.Bytes(), append([]byte{0x44, 0x89, 0x88}, marker[:]...))
	if i < 0 {
		return nil, fmt.Errorf("webm header: Duration not found")
	}
	p.durationOff = int64(i) + 3
	return p, p.flush()
}

func (p *webmPart) flush() error {
	n, err := p.w.Write(p.buf.Bytes())
	p.off += int64(n)
	p.buf.Reset()
	if err != nil {
		return fmt.Errorf("write webm: %w", err)
	}
	return nil
}

// ms is d in whole milliseconds, rounded.
func ms(d time.Duration) int64 { return int64((d + time.Millisecond/2) / time.Millisecond) }

func (p *webmPart) write(u *media.Unit) error {
	h, err := parseVP8(u.Data)
	if err != nil {
		return err
	}
	tc, prev := ms(u.PTS-p.start), p.cluster
	if p.cluster < 0 || h.KeyFrame || tc-p.cluster > maxClusterSpan {
		var c webmCluster
		c.Cluster.Timecode = uint64(tc)
		if err := ebml.Marshal(&c, &p.buf); err != nil {
			return fmt.Errorf("marshal webm cluster: %w", err)
		}
		p.cluster = tc
	}
	b := webmBlock{Block: ebml.Block{
		TrackNumber: webmTrackNumber, Timecode: int16(tc - p.cluster), Keyframe: h.KeyFrame, Data: [][]byte{u.Data},
	}}
	if err := ebml.Marshal(&b, &p.buf); err != nil {
		p.buf.Reset()
		p.cluster = prev
		return fmt.Errorf("%w: marshal webm block: %w", errBadUnit, err)
	}
	return p.flush()
}

// finish patches the Info Duration to end - start in milliseconds.
func (p *webmPart) finish(end time.Duration) (time.Duration, error) {
	d := max(ms(end-p.start), 1)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], math.Float64bits(float64(d)))
	if _, err := p.w.WriteAt(b[:], p.durationOff); err != nil {
		return 0, fmt.Errorf("patch webm duration: %w", err)
	}
	return time.Duration(d) * time.Millisecond, nil
}
