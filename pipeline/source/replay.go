package source

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/pion/rtp"

	"github.com/roomcast/roomcast/pipeline/depacketizer"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtpdump"
)

// Replay is a room's recent media read back from an rtpdump: the
// tracks, and their access units on one clock whose zero is Base.
type Replay struct {
	Base   time.Time
	Tracks []*media.Track
	// Units are in PTS order; a video track starts at a keyframe.
	Units []*media.Unit
	// Malformed counts packets that could not be used.
	Malformed int
}

// WallOf is the wall-clock time of a PTS of the replay.
func (r *Replay) WallOf(pts time.Duration) time.Time { return r.Base.Add(pts) }

// replayTrack gathers one track's packets.
type replayTrack struct {
	track *media.Track
	pkts  []replayPacket
}

type replayPacket struct {
	seq     int64 // extended sequence number
	ts      int64 // extended RTP timestamp
	arrival time.Time
	pkt     *rtp.Packet
}

// ReadReplay reads a dump from r (the caller bounds its size) and turns
// it into units timed from base. Each track is put on the wall clock by
// its least-delayed packet (the smallest arrival − RTP time), so its
// frames keep their RTP spacing and the tracks stay in sync to within
// the best arrival jitter. Tracks of codecs roomcast cannot decode are
// left out.
func ReadReplay(r io.Reader, base time.Time) (*Replay, error) {
	rd := rtpdump.NewReader(r)
	var tracks []*replayTrack
	out := &Replay{Base: base}
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("source: replay: %w", err)
		}
		switch v := rec.(type) {
		case *rtpdump.Track:
			tracks = append(tracks, replayTrackOf(v))
		case *rtpdump.Packet:
			t := tracks[v.Track]
			if t.track == nil {
				continue
			}
			if !t.add(v) {
				out.Malformed++
			}
		}
	}
	for _, t := range tracks {
		if t.track == nil || len(t.pkts) == 0 {
			continue
		}
		units, bad := t.units(base)
		out.Malformed += bad
		if len(units) > 0 {
			out.Tracks = append(out.Tracks, t.track)
			out.Units = append(out.Units, units...)
		}
	}
	sort.SliceStable(out.Units, func(a, b int) bool { return out.Units[a].PTS < out.Units[b].PTS })
	return out, nil
}

func replayTrackOf(t *rtpdump.Track) *replayTrack {
	c, err := media.ParseCodec(t.Codec)
	if err != nil || c == media.CodecAAC || string(c.Kind()) != t.Kind {
		return &replayTrack{} // kept for its index, never read
	}
	mt := &media.Track{
		ID: t.ID, Kind: c.Kind(), Codec: c, ClockRate: t.ClockRate,
		ParticipantID: t.ParticipantID, ParticipantName: t.ParticipantName, Source: media.Source(t.Source),
	}
	switch {
	case mt.Kind == media.KindAudio:
		mt.Source = media.SourceMicrophone
	case mt.Source != media.SourceScreen:
		mt.Source = media.SourceCamera
	}
	return &replayTrack{track: mt}
}

// add parses one packet; false for one that is not RTP.
func (t *replayTrack) add(p *rtpdump.Packet) bool {
	pkt := &rtp.Packet{}
	if err := pkt.Unmarshal(append([]byte(nil), p.RTP...)); err != nil {
		return false
	}
	rp := replayPacket{seq: int64(pkt.SequenceNumber), ts: int64(pkt.Timestamp), arrival: p.Arrival, pkt: pkt}
	if n := len(t.pkts); n > 0 {
		prev := t.pkts[n-1]
		rp.seq = prev.seq + int64(int16(pkt.SequenceNumber-uint16(prev.seq)))
		rp.ts = prev.ts + int64(int32(pkt.Timestamp-uint32(prev.ts)))
	}
	t.pkts = append(t.pkts, rp)
	return true
}

// units depacketizes the track in sequence order: a gap drops the open
// frame, and video then waits for its next keyframe.
func (t *replayTrack) units(base time.Time) ([]*media.Unit, int) {
	sort.SliceStable(t.pkts, func(a, b int) bool { return t.pkts[a].seq < t.pkts[b].seq })
	rate := int64(t.track.ClockRate)
	var offset time.Time // wall time of extended RTP time 0
	for i, p := range t.pkts {
		o := p.arrival.Add(-rtpDuration(p.ts, rate))
		if i == 0 || o.Before(offset) {
			offset = o
		}
	}
	dep, err := depacketizer.New(t.track.Codec)
	if err != nil {
		return nil, len(t.pkts)
	}
	var (
		units   []*media.Unit
		bad     int
		waitKey = t.track.Kind == media.KindVideo
		prev    int64
		extOf   = map[uint32]int64{}
	)
	for i, p := range t.pkts {
		if i > 0 && p.seq == prev {
			continue // a retransmission forwarded twice
		}
		if i > 0 && p.seq != prev+1 {
			dep.Reset()
			waitKey = waitKey || t.track.Kind == media.KindVideo
		}
		prev = p.seq
		extOf[p.pkt.Timestamp] = p.ts
		frames, err := dep.Push(p.pkt)
		if err != nil {
			bad++
			continue
		}
		for _, f := range frames {
			if waitKey && !f.Key {
				continue
			}
			waitKey = false
			ext, ok := extOf[f.RTPTime]
			if !ok {
				ext = p.ts
			}
			pts := offset.Add(rtpDuration(ext, rate)).Sub(base)
			units = append(units, &media.Unit{Track: t.track, PTS: pts, DTS: pts, Key: f.Key, Data: f.Data, Arrival: p.arrival})
		}
		if len(extOf) > 64 {
			clear(extOf)
			extOf[p.pkt.Timestamp] = p.ts
		}
	}
	return units, bad
}

// rtpDuration is ts ticks of a rate Hz clock, without overflow for any
// extended timestamp.
func rtpDuration(ts, rate int64) time.Duration {
	return time.Duration(ts/rate)*time.Second + time.Duration(ts%rate)*time.Second/time.Duration(rate)
}
