package rtmp

import (
	"bytes"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/yapingcat/gomedia/go-flv"
)

// muxer turns units into RTMP video, audio and data messages: FLV tag
// bodies built with gomedia's go-flv (FLV spec v10.1 E.4.2, E.4.3),
// timestamps in ms from the first unit's DTS, and onMetaData plus the
// sequence headers before the first keyframe and again on every keyframe
// whose track or codec configuration differs from what was last sent.
// gomedia's own muxers send the AVC header once and take only ADTS audio.
type muxer struct {
	streamID       uint32
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
}

// sent is what a track's last sequence header carried.
type sent struct {
	track  *media.Track
	config []byte
}

func newMuxer(tracks []*media.Track, streamID uint32, dropped func(string)) *muxer {
	m := &muxer{streamID: streamID, dropped: dropped}
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

// messages returns the messages for u, or none when u is dropped.
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

// timestamps returns the FLV timestamp (ms since the first unit, never
// decreasing per kind) and the composition time offset PTS−DTS in ms.
func (m *muxer) timestamps(u *media.Unit, kind int) (uint32, int32) {
	d := (u.DTS - m.base).Milliseconds()
	cts := int32(max((u.PTS-m.base).Milliseconds()-d, 0))
	dts := uint32(d) + m.tsOffset
	// FLV timestamps are milliseconds: two units less than 1 ms apart
	// would collide, and demuxers reject a repeated DTS, so each track's
	// timestamps strictly increase.
	if m.sentTS[kind] && dts <= m.lastTS[kind] {
		dts = m.lastTS[kind] + 1
	}
	m.lastTS[kind], m.sentTS[kind] = dts, true
	return dts, cts
}

func (m *muxer) videoMessages(u *media.Unit) []message {
	if !u.Key && u.Track != m.video.track {
		return m.drop("waiting for a keyframe of the new video track")
	}
	frame, sps, pps := avcFrame(u.Data)
	var out []message
	ts, cts := m.timestamps(u, 0)
	if u.Key {
		cfg, err := avcConfig(u.Track, sps, pps)
		if err != nil {
			return m.drop(err.Error())
		}
		if u.Track != m.video.track || !bytes.Equal(cfg, m.video.config) {
			m.video, m.metaV = sent{u.Track, cfg}, u.Track
			out = append(out, m.dataMsg(ts), m.videoMsg(ts, flv.WriteVideoTag(cfg, true, flv.FLV_AVC, 0, true)))
			out = append(out, m.firstAudioHeader(ts)...)
		}
	}
	return append(out, m.videoMsg(ts, flv.WriteVideoTag(frame, u.Key, flv.FLV_AVC, cts, false)))
}

// firstAudioHeader sends the audio track's header with the first video
// header, so that players learn both before any frame.
func (m *muxer) firstAudioHeader(ts uint32) []message {
	if !m.pendingAudioSH {
		return nil
	}
	m.pendingAudioSH = false
	cfg := aacConfig(m.metaA)
	m.audio = sent{m.metaA, cfg}
	return []message{m.audioMsg(ts, flv.WriteAudioTag(cfg, flv.FLV_AAC, 0, 0, true))}
}

func (m *muxer) audioMessages(u *media.Unit) []message {
	ts, _ := m.timestamps(u, 1)
	var out []message
	cfg := aacConfig(u.Track)
	if u.Track != m.audio.track || !bytes.Equal(cfg, m.audio.config) {
		m.audio, m.metaA, m.pendingAudioSH = sent{u.Track, cfg}, u.Track, false
		out = append(out, m.dataMsg(ts), m.audioMsg(ts, flv.WriteAudioTag(cfg, flv.FLV_AAC, 0, 0, true)))
	}
	return append(out, m.audioMsg(ts, flv.WriteAudioTag(u.Data, flv.FLV_AAC, 0, 0, false)))
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
