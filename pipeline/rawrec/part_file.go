package rawrec

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// sink is where a part writer writes: appends, plus patches of what it
// wrote earlier (a WebM duration).
type sink interface {
	io.Writer
	io.WriterAt
}

// partWriter writes one part of one track.
type partWriter interface {
	// write adds u; errBadUnit drops the unit, other errors fail the part.
	write(u *media.Unit) error
	// finish completes the container. end is the PTS where the part ends:
	// the next part's first unit, or the last unit plus its duration. It
	// returns the part's duration.
	finish(end time.Duration) (time.Duration, error)
}

// codecTrack knows one codec: which units may start a part, and how to
// write parts.
type codecTrack interface {
	ext() string
	// check validates u and reports whether a part may start with it.
	check(u *media.Unit) (start bool, err error)
	// newPart writes the headers and u, which check said may start a
	// part; gap is the track's recent unit spacing (0 if unknown).
	newPart(w sink, u *media.Unit, gap time.Duration) (partWriter, error)
}

func newCodecTrack(t *media.Track) codecTrack {
	switch t.Codec {
	case media.CodecH264:
		return &h264Track{track: *t}
	case media.CodecVP8:
		return &vp8Track{}
	case media.CodecOpus:
		return &opusTrack{channels: t.Channels}
	}
	return nil
}

// partFile is one part being written to "<path>.partial".
type partFile struct {
	f    *os.File
	w    partWriter
	file File
}

// newPart creates the next part of the track, starting with u.
func (t *trackRecorder) newPart(u *media.Unit) (*partFile, error) {
	n := t.r.nextPart(t.participant + "/" + t.trackID)
	name := objectName(t.participant, t.trackID, n, t.codec.ext())
	path := filepath.Join(t.r.cfg.Dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create part dir: %w", err)
	}
	f, err := os.OpenFile(path+partialSuffix, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create part: %w", err)
	}
	w, err := t.codec.newPart(f, u, t.lastGap)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &partFile{f: f, w: w, file: File{
		Path: path, Name: name, Participant: t.participant, TrackID: t.track.ID,
		Codec: t.track.Codec, Start: u.PTS,
	}}, nil
}

// close finishes the container, fsyncs and renames the part to its final
// name. On failure the partial file is removed.
func (p *partFile) close(end time.Duration) (File, error) {
	d, err := p.w.finish(end)
	if err == nil {
		err = p.f.Sync()
	}
	var size int64
	if err == nil {
		var st os.FileInfo
		st, err = p.f.Stat()
		if st != nil {
			size = st.Size()
		}
	}
	err = errors.Join(err, p.f.Close())
	if err == nil {
		err = os.Rename(p.f.Name(), p.file.Path)
	}
	if err != nil {
		os.Remove(p.f.Name())
		return File{}, fmt.Errorf("close part %s: %w", p.file.Name, err)
	}
	p.file.Duration, p.file.Size = d, size
	return p.file, nil
}
