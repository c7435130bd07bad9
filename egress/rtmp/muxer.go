package rtmp

import (
	"bytes"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/yapingcat/gomedia/go-flv"
)

// muxer turns units into RTMP video, audio and data messages for one
// connection: FLV tag bodies built with gomedia's go-flv (FLV spec v10.1
// E.4.2, E.4.3) and serialised once for every output (SharedChunks),
// timestamps in ms from the connection's first unit's DTS, and onMetaData
// plus the sequence headers before the first keyframe and again on every
// keyframe whose track or codec configuration differs from what was last
// sent. gomedia's own muxers send the AVC header once and take only ADTS
// audio.
type muxer struct {
	streamID       uint32
	chunks         *SharedChunks
	video, audio   sent
	hasVideo       bool
	started        bool
	base           time.Duration
	lastTS         [2]uint32 // per track kind, to keep each monotonic
	sentTS         [2]bool   // whether lastTS holds a sent timestamp
	tsOffset       uint32
	dropped        func(reason string)
	metaV, metaA   *media.Track // what onMetaData describes
	pendingAudioSH bool         // the first headers include the audio track's
	out            []message    // what messages returns, reused
}

// sent is what a track's last sequence header carried.
type sent struct {
	track  *media.Track
	config []byte
}

func newMuxer(tracks []*media.Track, streamID uint32, chunks *SharedChunks, dropped func(string)) *muxer {
	m := &muxer{streamID: streamID, chunks: chunks, dropped: dropped, out: make([]message, 0, 4)}
	for _, t := range tracks {
		switch {
		case t.Codec == media.CodecH264 && m.metaV == nil:
			m.metaV, m.hasVideo = t, true
		case t.Codec == media.CodecAAC && m.metaA == nil:
			m.metaA, m.pendingAudioSH = t, true
		}
	}
	return m
}

// boundary reports whether u starts a GOP, where a drain may stop.
func (m *muxer) boundary(u *media.Unit) bool {
	return !m.hasVideo || (u != nil && u.Key && u.Track != nil && u.Track.Codec == media.CodecH264)
}

// messages returns the messages for u, or none when u is dropped. The
// slice is valid until the next call.
func (m *muxer) messages(u *media.Unit) []message {
	if u == nil || u.Track == nil {
		return m.drop("unit without a track")
	}
	isVideo := u.Track.Codec == media.CodecH264
	if !isVideo && u.Track.Codec != media.CodecAAC {
		return m.drop("unsupported codec " + string(u.Track.Codec))
	}
	if !m.started {
		if m.hasVideo && !(isVideo && u.Key) {
			return m.drop("waiting for the first keyframe")
		}
		m.started, m.base = true, u.DTS
	}
	if u.DTS < m.base {
		return m.drop("earlier than the first keyframe")
	}
	if isVideo {
		return m.videoMessages(u)
	}
	return m.audioMessages(u)
}

func (m *muxer) drop(reason string) []message {
	if m.dropped != nil {
		m.dropped(reason)
	}
	return nil
}

// timestamp returns the FLV timestamp: ms since the connection's first
// unit, never decreasing per kind.
func (m *muxer) timestamp(u *media.Unit, kind int) uint32 {
	dts := uint32((u.DTS - m.base).Milliseconds()) + m.tsOffset
	// FLV timestamps are milliseconds: two units less than 1 ms apart
	// would collide, and demuxers reject a repeated DTS, so each track's
	// timestamps strictly increase.
	if m.sentTS[kind] && dts <= m.lastTS[kind] {
		dts = m.lastTS[kind] + 1
	}
	m.lastTS[kind], m.sentTS[kind] = dts, true
	return dts
}

func (m *muxer) videoMessages(u *media.Unit) []message {
	if !u.Key && u.Track != m.video.track {
		return m.drop("waiting for a keyframe of the new video track")
	}
	e := m.chunks.get(u)
	if e.err != nil {
		return m.drop(e.err.Error())
	}
	out := m.out[:0]
	ts := m.timestamp(u, 0)
	if u.Key && (u.Track != m.video.track || !bytes.Equal(e.config, m.video.config)) {
		m.video, m.metaV = sent{u.Track, e.config}, u.Track
		out = append(out, m.dataMsg(ts), m.videoMsg(ts, flv.WriteVideoTag(e.config, true, flv.FLV_AVC, 0, true)))
		out = m.firstAudioHeader(out, ts)
	}
	out = append(out, m.sharedMsg(ts, e))
	m.out = out
	return out
}

// firstAudioHeader sends the audio track's header with the first video
// header, so that players learn both before any frame.
func (m *muxer) firstAudioHeader(out []message, ts uint32) []message {
	if !m.pendingAudioSH {
		return out
	}
	m.pendingAudioSH = false
	cfg := aacConfig(m.metaA)
	m.audio = sent{m.metaA, cfg}
	return append(out, m.audioMsg(ts, flv.WriteAudioTag(cfg, flv.FLV_AAC, 0, 0, true)))
}

func (m *muxer) audioMessages(u *media.Unit) []message {
	e := m.chunks.get(u)
	if e.err != nil {
		return m.drop(e.err.Error())
	}
	ts := m.timestamp(u, 1)
	out := m.out[:0]
	if u.Track != m.audio.track || !bytes.Equal(e.config, m.audio.config) {
		m.audio, m.metaA, m.pendingAudioSH = sent{u.Track, e.config}, u.Track, false
		out = append(out, m.dataMsg(ts), m.audioMsg(ts, flv.WriteAudioTag(e.config, flv.FLV_AAC, 0, 0, true)))
	}
	out = append(out, m.sharedMsg(ts, e))
	m.out = out
	return out
}

func (m *muxer) sharedMsg(ts uint32, e *sharedUnit) message {
	return message{csid: e.csid, typ: e.typ, streamID: m.streamID, ts: ts, shared: e}
}

func (m *muxer) videoMsg(ts uint32, body []byte) message {
	return message{csid: csidVideo, typ: msgVideo, streamID: m.streamID, ts: ts, payload: body}
}

func (m *muxer) audioMsg(ts uint32, body []byte) message {
	return message{csid: csidAudio, typ: msgAudio, streamID: m.streamID, ts: ts, payload: body}
}

func (m *muxer) dataMsg(ts uint32) message {
	return message{csid: csidData, typ: msgDataAMF0, streamID: m.streamID, ts: ts, payload: metadata(m.metaV, m.metaA)}
}
