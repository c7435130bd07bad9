package room

import (
	"bufio"
	"container/heap"
	"io"
	"slices"
	"time"

	"github.com/roomcast/roomcast/pipeline/rtpdump"
)

// WriteHistory is Scope.WriteHistory in a room of tenant "".
func (m *Manager) WriteHistory(w io.Writer, room string, since time.Time) error {
	return m.In("").WriteHistory(w, room, since)
}

// WriteHistory writes to w an rtpdump (package pipeline/rtpdump) of the
// history of every track published in the room: each track, then their
// packets merged in arrival order, for video from the last keyframe at or
// before since (or the first kept keyframe when none is that old), for
// audio from 100 ms before since. A time older than the history returns
// what there is; a track without history has no packets. The room must
// exist (else an error wrapping ErrRoomNotFound, with nothing written).
// The tracks' histories are copied first, so a slow w holds up no
// forwarding.
func (s *Scope) WriteHistory(w io.Writer, room string, since time.Time) error {
	r, err := s.room(room)
	if err != nil {
		return err
	}
	tracks := r.tracksFor("")
	if len(tracks) > rtpdump.MaxTracks {
		r.log.Warn("history: too many tracks for one dump, the last left out", "tracks", len(tracks), "max", rtpdump.MaxTracks)
		tracks = tracks[:rtpdump.MaxTracks]
	}
	merge := make(historyMerge, 0, len(tracks))
	for i, t := range tracks {
		if pkts := t.history.since(since); len(pkts) > 0 {
			merge = append(merge, &historyCursor{track: uint16(i), pkts: pkts})
		}
	}
	bw := bufio.NewWriterSize(w, 32<<10)
	dw, err := rtpdump.NewWriter(bw)
	if err != nil {
		return err
	}
	for _, t := range tracks {
		if _, err := dw.WriteTrack(t.dumpTrack()); err != nil {
			return err
		}
	}
	if err := merge.write(dw); err != nil {
		return err
	}
	return bw.Flush()
}

// dumpTrack describes the track in a dump.
func (t *publishedTrack) dumpTrack() rtpdump.Track {
	return rtpdump.Track{
		ID: t.id, Kind: string(t.codec.Kind()), Codec: string(t.codec), ClockRate: t.codec.ClockRate(),
		ParticipantID: t.owner.id, ParticipantName: t.owner.name, Source: string(t.source),
	}
}

// historyCursor is what is left to write of one track's packets.
type historyCursor struct {
	track uint16
	pkts  []fwdPacket
}

// historyMerge is a min-heap of cursors by their next packet's arrival,
// then track, which gives a stable order for ties.
type historyMerge []*historyCursor

func (h historyMerge) Len() int { return len(h) }
func (h historyMerge) Less(i, j int) bool {
	a, b := h[i].pkts[0].arrival, h[j].pkts[0].arrival
	return a.Before(b) || a.Equal(b) && h[i].track < h[j].track
}
func (h historyMerge) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *historyMerge) Push(x any)   { *h = append(*h, x.(*historyCursor)) }
func (h *historyMerge) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// write writes every packet in arrival order, emptying the heap.
func (h *historyMerge) write(dw *rtpdump.Writer) error {
	heap.Init(h)
	var buf []byte
	for h.Len() > 0 {
		c := (*h)[0]
		p := c.pkts[0]
		buf = slices.Grow(buf[:0], p.pkt.MarshalSize())
		n, err := p.pkt.MarshalTo(buf[:cap(buf)])
		if err != nil {
			return err
		}
		if err := dw.WritePacket(rtpdump.Packet{Track: c.track, Arrival: p.arrival, RTP: buf[:n]}); err != nil {
			return err
		}
		if c.pkts = c.pkts[1:]; len(c.pkts) == 0 {
			heap.Pop(h)
		} else {
			heap.Fix(h, 0)
		}
	}
	return nil
}
