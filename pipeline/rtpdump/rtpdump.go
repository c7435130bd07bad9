// Package rtpdump is the wire format of a room's recent media: the
// tracks, then their RTP packets as the room received them, each with its
// arrival time. The room writes it (GET /v1/rooms/{room}/history) and a
// worker that took a recording over reads it to fill the gap the dead
// recorder left.
//
// A dump starts with Magic. Then come records: a type byte ('T' a track,
// 'P' a packet), a big-endian uint32 body length, and the body. A track
// body is JSON (Track); a packet body is the track's uint16 index, the
// arrival as int64 Unix nanoseconds, and the RTP packet.
package rtpdump

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Magic opens every dump.
const Magic = "RCDUMP1\n"

// Limits of what a Reader accepts.
const (
	MaxTracks     = 256
	MaxPacket     = 64 << 10 // an RTP packet never comes near it
	maxTrackBody  = 4 << 10
	packetHeader  = 2 + 8
	recordTrack   = 'T'
	recordPacket  = 'P'
	recordHeaders = 1 + 4
)

// ErrFormat wraps every error about a malformed dump.
var ErrFormat = errors.New("rtpdump: malformed")

// Track describes one track of the dump. Index numbers it for its
// packets, from 0 in the order of the dump.
type Track struct {
	Index           uint16 `json:"index"`
	ID              string `json:"id"`
	Kind            string `json:"kind"`
	Codec           string `json:"codec"`
	ClockRate       uint32 `json:"clock_rate"`
	ParticipantID   string `json:"participant_id"`
	ParticipantName string `json:"participant_name,omitempty"`
	Source          string `json:"source,omitempty"`
}

// Packet is one RTP packet of a track as the room received it.
type Packet struct {
	Track   uint16
	Arrival time.Time
	RTP     []byte
}

// Writer writes a dump. Tracks must be written before their packets.
type Writer struct {
	w      io.Writer
	tracks int
	hdr    [recordHeaders + packetHeader]byte
	err    error
}

// NewWriter writes the magic to w and returns a Writer.
func NewWriter(w io.Writer) (*Writer, error) {
	if _, err := io.WriteString(w, Magic); err != nil {
		return nil, fmt.Errorf("rtpdump: %w", err)
	}
	return &Writer{w: w}, nil
}

// WriteTrack adds t; its Index is set to the next number.
func (w *Writer) WriteTrack(t Track) (uint16, error) {
	if w.tracks >= MaxTracks {
		return 0, fmt.Errorf("rtpdump: more than %d tracks", MaxTracks)
	}
	t.Index = uint16(w.tracks)
	body, err := json.Marshal(t)
	if err != nil {
		return 0, fmt.Errorf("rtpdump: %w", err)
	}
	if len(body) > maxTrackBody {
		return 0, fmt.Errorf("rtpdump: track %q: description too long", t.ID)
	}
	w.hdr[0] = recordTrack
	binary.BigEndian.PutUint32(w.hdr[1:5], uint32(len(body)))
	if err := w.write(w.hdr[:recordHeaders], body); err != nil {
		return 0, err
	}
	w.tracks++
	return t.Index, nil
}

// WritePacket adds one packet of a track already written.
func (w *Writer) WritePacket(p Packet) error {
	if int(p.Track) >= w.tracks {
		return fmt.Errorf("rtpdump: packet of unknown track %d", p.Track)
	}
	if len(p.RTP) > MaxPacket {
		return fmt.Errorf("rtpdump: packet of %d bytes", len(p.RTP))
	}
	w.hdr[0] = recordPacket
	binary.BigEndian.PutUint32(w.hdr[1:5], uint32(packetHeader+len(p.RTP)))
	binary.BigEndian.PutUint16(w.hdr[5:7], p.Track)
	binary.BigEndian.PutUint64(w.hdr[7:15], uint64(p.Arrival.UnixNano()))
	return w.write(w.hdr[:], p.RTP)
}

func (w *Writer) write(hdr, body []byte) error {
	if w.err != nil {
		return w.err
	}
	if _, err := w.w.Write(hdr); err != nil {
		w.err = fmt.Errorf("rtpdump: %w", err)
		return w.err
	}
	if _, err := w.w.Write(body); err != nil {
		w.err = fmt.Errorf("rtpdump: %w", err)
	}
	return w.err
}

// Reader reads a dump.
type Reader struct {
	r      *bufio.Reader
	tracks []Track
	buf    []byte
	magic  bool
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReaderSize(r, 64<<10)} }

// Tracks returns the tracks read so far.
func (r *Reader) Tracks() []Track { return r.tracks }

// Next returns the next record: a *Track or a *Packet (whose RTP is
// only valid until the next call). It returns io.EOF at a clean end,
// and an error wrapping ErrFormat for anything malformed, including a
// dump cut in the middle of a record.
func (r *Reader) Next() (any, error) {
	if !r.magic {
		m := make([]byte, len(Magic))
		if _, err := io.ReadFull(r.r, m); err != nil || string(m) != Magic {
			return nil, fmt.Errorf("%w: no magic", ErrFormat)
		}
		r.magic = true
	}
	var hdr [recordHeaders]byte
	if _, err := io.ReadFull(r.r, hdr[:]); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("%w: record header: %v", ErrFormat, err)
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	switch hdr[0] {
	case recordTrack:
		return r.track(n)
	case recordPacket:
		return r.packet(n)
	}
	return nil, fmt.Errorf("%w: record type %#x", ErrFormat, hdr[0])
}

func (r *Reader) body(n uint32) ([]byte, error) {
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, n)
	}
	b := r.buf[:n]
	if _, err := io.ReadFull(r.r, b); err != nil {
		return nil, fmt.Errorf("%w: record of %d bytes cut: %v", ErrFormat, n, err)
	}
	return b, nil
}

func (r *Reader) track(n uint32) (*Track, error) {
	if n > maxTrackBody {
		return nil, fmt.Errorf("%w: track record of %d bytes", ErrFormat, n)
	}
	if len(r.tracks) >= MaxTracks {
		return nil, fmt.Errorf("%w: more than %d tracks", ErrFormat, MaxTracks)
	}
	b, err := r.body(n)
	if err != nil {
		return nil, err
	}
	var t Track
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%w: track: %v", ErrFormat, err)
	}
	if int(t.Index) != len(r.tracks) {
		return nil, fmt.Errorf("%w: track index %d, want %d", ErrFormat, t.Index, len(r.tracks))
	}
	if t.ClockRate == 0 || t.ID == "" {
		return nil, fmt.Errorf("%w: track %d without an id or a clock rate", ErrFormat, t.Index)
	}
	r.tracks = append(r.tracks, t)
	return &r.tracks[len(r.tracks)-1], nil
}

func (r *Reader) packet(n uint32) (*Packet, error) {
	if n < packetHeader || n > packetHeader+MaxPacket {
		return nil, fmt.Errorf("%w: packet record of %d bytes", ErrFormat, n)
	}
	b, err := r.body(n)
	if err != nil {
		return nil, err
	}
	p := &Packet{Track: binary.BigEndian.Uint16(b), Arrival: time.Unix(0, int64(binary.BigEndian.Uint64(b[2:]))), RTP: b[packetHeader:]}
	if int(p.Track) >= len(r.tracks) {
		return nil, fmt.Errorf("%w: packet of unknown track %d", ErrFormat, p.Track)
	}
	return p, nil
}
