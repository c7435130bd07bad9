package mux

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// PlaylistSegment is one media segment of an HLS media playlist.
type PlaylistSegment struct {
	Name     string // the segment's URI as stored, mapped by Render
	Duration time.Duration
	// Discontinuity marks a break in timestamps or encoding before this
	// segment (RFC 8216 §4.3.2.3), e.g. after a recorder restart.
	Discontinuity bool
	// Init names the init segment (EXT-X-MAP, RFC 8216 §4.3.2.5).
	Init string
}

// Playlist is an HLS media playlist (RFC 8216 §4.3.3) for fMP4 segments:
// type EVENT while Ended is false, VOD with EXT-X-ENDLIST once it is.
type Playlist struct {
	MediaSequence uint64 // sequence number of Segments[0]
	Segments      []PlaylistSegment
	Ended         bool
}

// playlistVersion is the EXT-X-VERSION written; 6 or later is needed for
// EXT-X-MAP without EXT-X-I-FRAMES-ONLY (RFC 8216 §7).
const playlistVersion = 7

// Append adds a segment at the end.
func (p *Playlist) Append(s PlaylistSegment) { p.Segments = append(p.Segments, s) }

// NextSequence is the sequence number the next segment gets.
func (p *Playlist) NextSequence() uint64 { return p.MediaSequence + uint64(len(p.Segments)) }

// Duration is the sum of the segment durations: the media time a
// continuing recording starts at.
func (p *Playlist) Duration() time.Duration {
	var d time.Duration
	for _, s := range p.Segments {
		d += s.Duration
	}
	return d
}

// TargetDuration is EXT-X-TARGETDURATION: the longest EXTINF as written,
// rounded up to whole seconds (RFC 8216 §4.3.3.1), at least 1.
func (p *Playlist) TargetDuration() int {
	td := 1
	for _, s := range p.Segments {
		ms := s.Duration.Round(time.Millisecond).Milliseconds()
		td = max(td, int((ms+999)/1000))
	}
	return td
}

// WriteTo writes the playlist with the segment names as URIs.
func (p *Playlist) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	err := p.Render(cw, nil)
	return cw.n, err
}

// Render writes the playlist, mapping every segment and init name through
// uri (nil keeps names), e.g. to presigned URLs.
func (p *Playlist) Render(w io.Writer, uri func(name string) string) error {
	if uri == nil {
		uri = func(name string) string { return name }
	}
	bw := bufio.NewWriter(w)
	typ := "EVENT"
	if p.Ended {
		typ = "VOD"
	}
	fmt.Fprintf(bw, "#EXTM3U\n#EXT-X-VERSION:%d\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:%d\n#EXT-X-PLAYLIST-TYPE:%s\n#EXT-X-INDEPENDENT-SEGMENTS\n",
		playlistVersion, p.TargetDuration(), p.MediaSequence, typ)
	init := ""
	for _, s := range p.Segments {
		if s.Discontinuity {
			bw.WriteString("#EXT-X-DISCONTINUITY\n")
		}
		if s.Init != "" && (s.Init != init || s.Discontinuity) {
			fmt.Fprintf(bw, "#EXT-X-MAP:URI=\"%s\"\n", uri(s.Init))
		}
		init = s.Init
		fmt.Fprintf(bw, "#EXTINF:%.3f,\n%s\n", s.Duration.Seconds(), uri(s.Name))
	}
	if p.Ended {
		bw.WriteString("#EXT-X-ENDLIST\n")
	}
	return bw.Flush()
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}
