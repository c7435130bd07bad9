package rtmp

import (
	"bytes"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/media"
)

// fixtureLikeTracks returns tracks shaped like the fixture's, without
// encoding anything.
func fixtureLikeTracks() (*media.Track, *media.Track) {
	return &media.Track{Codec: media.CodecH264, Width: 320, Height: 240, FPS: 30, BitrateKbps: 500},
		&media.Track{Codec: media.CodecAAC, SampleRate: 48000, Channels: 2, BitrateKbps: 96}
}

// kinds summarises messages: M metadata, V/A sequence headers, v/a frames
// (k for a video keyframe).
func kinds(msgs []message) string {
	var b []byte
	for _, m := range msgs {
		m.payload = payloadOf(m)
		switch {
		case m.typ == msgDataAMF0:
			b = append(b, 'M')
		case m.typ == msgVideo && m.payload[1] == 0:
			b = append(b, 'V')
		case m.typ == msgVideo && m.payload[0]>>4 == 1:
			b = append(b, 'k')
		case m.typ == msgVideo:
			b = append(b, 'v')
		case m.payload[1] == 0:
			b = append(b, 'A')
		default:
			b = append(b, 'a')
		}
	}
	return string(b)
}

// payloadOf is m's payload, taken out of the shared chunks if need be.
func payloadOf(m message) []byte {
	if m.shared != nil {
		return m.shared.appendPayload(nil)
	}
	return m.payload
}

func TestMuxerSequenceHeaders(t *testing.T) {
	f := loadFixture(t)
	var drops []string
	m := newMuxer([]*media.Track{f.video, f.audio}, 1, NewSharedChunks(0), func(r string) { drops = append(drops, r) })
	var frames []*media.Unit // video units, GOP-aligned
	var audio []*media.Unit
	for _, u := range f.units {
		if u.Track == f.video {
			frames = append(frames, u)
		} else {
			audio = append(audio, u)
		}
	}
	shifted := func(u *media.Unit, tr *media.Track) *media.Unit {
		c := *u
		c.Track = tr
		return &c
	}
	steps := []struct {
		u    *media.Unit
		want string
	}{
		{frames[1], ""},           // not a keyframe yet: dropped
		{frames[0], "MVAk"},       // metadata, both headers, the keyframe
		{audio[1], "a"},           // same audio track: no header
		{frames[1], "v"},          // inter frame
		{frames[fixtureGOP], "k"}, // next keyframe, same config
		{audio[2], "a"},           //
		{shifted(audio[3], &media.Track{Codec: media.CodecAAC, SampleRate: 44100, Channels: 1}), "MAa"}, // new audio track
	}
	// A new video track: its inter frames wait for its keyframe.
	v2 := *f.video
	v2.Width = 640
	steps = append(steps, struct {
		u    *media.Unit
		want string
	}{shifted(frames[fixtureGOP+1], &v2), ""}, struct {
		u    *media.Unit
		want string
	}{shifted(frames[2*fixtureGOP], &v2), "MVk"})
	// Same track pointer, new SPS/PPS in the config: resend on the keyframe.
	v2.Config = append(bytes.Clone(v2.Config[:len(v2.Config)-1]), v2.Config[len(v2.Config)-1]^1)
	steps = append(steps, struct {
		u    *media.Unit
		want string
	}{stripParamSets(shifted(frames[2*fixtureGOP+fixtureGOP/2], &v2)), "v"})
	for i, s := range steps {
		before := bytes.Clone(s.u.Data)
		got := kinds(m.messages(s.u))
		if got != s.want {
			t.Errorf("step %d: got %q, want %q", i, got, s.want)
		}
		if !bytes.Equal(before, s.u.Data) {
			t.Fatalf("step %d: the unit's data was modified", i)
		}
	}
	if len(drops) != 2 {
		t.Errorf("drops %v, want 2", drops)
	}
}

// stripParamSets removes in-band SPS/PPS so that the track Config rules.
func stripParamSets(u *media.Unit) *media.Unit {
	var data []byte
	for _, n := range h264.SplitAnnexB(u.Data) {
		if !h264.Type(n).IsParameterSet() {
			data = append(append(data, 0, 0, 0, 1), n...)
		}
	}
	c := *u
	c.Data = data
	return &c
}

func TestMuxerConfigChangeOnKeyframe(t *testing.T) {
	f := loadFixture(t)
	m := newMuxer([]*media.Track{f.video}, 1, NewSharedChunks(0), nil)
	key := stripParamSets(f.units[0])
	if got := kinds(m.messages(key)); got != "MVk" {
		t.Fatalf("first keyframe: %q", got)
	}
	tr := *f.video
	tr.Config = append(bytes.Clone(tr.Config), 0) // different bytes, same track
	k2 := *key
	k2.Track, k2.DTS, k2.PTS = &tr, 2*time.Second, 2*time.Second
	if got := kinds(m.messages(&k2)); got != "MVk" {
		t.Errorf("changed config: %q, want the headers again", got)
	}
}

func TestMuxerTimestamps(t *testing.T) {
	tr := &media.Track{Codec: media.CodecAAC, SampleRate: 48000, Channels: 2}
	m := newMuxer([]*media.Track{tr}, 7, NewSharedChunks(0), nil)
	base := 90 * time.Minute
	var got []uint32
	for _, dts := range []time.Duration{0, 21 * time.Millisecond, 10 * time.Millisecond, 5 * time.Hour} {
		for _, msg := range m.messages(&media.Unit{Track: tr, DTS: base + dts, PTS: base + dts, Key: true, Data: []byte{1}}) {
			if msg.streamID != 7 {
				t.Errorf("stream ID %d", msg.streamID)
			}
			got = append(got, msg.ts)
		}
	}
	// A unit that goes back in time is sent 1 ms after the previous one:
	// FLV demuxers reject a repeated timestamp.
	want := []uint32{0, 0, 0, 21, 22, 5 * 3600 * 1000}
	if len(got) != len(want) {
		t.Fatalf("timestamps %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("timestamps %v, want %v", got, want)
		}
	}
	if m.messages(&media.Unit{Track: tr, DTS: base - time.Second, Key: true}) != nil {
		t.Error("a unit before the first was sent")
	}
}

func TestMuxerCompositionTime(t *testing.T) {
	f := loadFixture(t)
	m := newMuxer([]*media.Track{f.video}, 1, NewSharedChunks(0), nil)
	u := *f.units[0]
	u.PTS = u.DTS + 66*time.Millisecond
	msgs := m.messages(&u)
	last := payloadOf(msgs[len(msgs)-1])
	if cts := int(last[2])<<16 | int(last[3])<<8 | int(last[4]); cts != 66 {
		t.Errorf("composition time %d, want 66", cts)
	}
}

func TestAACConfigFallback(t *testing.T) {
	got := aacConfig(&media.Track{SampleRate: 48000, Channels: 2})
	if !bytes.Equal(got, []byte{0x11, 0x90}) {
		t.Errorf("AAC-LC 48 kHz stereo = %x, want 1190", got)
	}
}

func TestRateMeter(t *testing.T) {
	now := time.Unix(1000, 0)
	m := rateMeter{now: func() time.Time { return now }}
	for range 10 {
		m.add(125000) // 1 Mbit each second
		now = now.Add(time.Second)
	}
	if k := m.kbps(); k != 1000 {
		t.Errorf("kbps = %d, want 1000", k)
	}
	now = now.Add(10 * time.Second)
	if k := m.kbps(); k != 0 {
		t.Errorf("kbps after silence = %d", k)
	}
}
