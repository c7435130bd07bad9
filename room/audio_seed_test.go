package room

import (
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/roomcast/roomcast/pipeline/media"
)

// TestAudioSeedFollowsVideo: a subscriber joining a running room gets the
// audio that goes with its participant's cached video keyframe, not the
// seconds of audio cached before it; none while no keyframe is cached;
// all of it from a participant without video.
func TestAudioSeedFollowsVideo(t *testing.T) {
	t0 := nowForTests().Add(-3 * time.Second) // the tracks' env.now is nowForTests
	feed := func(video bool, keyAt time.Duration) (*participant, *publishedTrack) {
		p := &participant{}
		audio := newBareTrack(media.CodecOpus)
		audio.owner = p
		p.tracks = append(p.tracks, audio)
		for i := range 150 { // 3 s of audio, every 20 ms
			at := t0.Add(time.Duration(i) * 20 * time.Millisecond)
			audio.forward(fwdPacket{pkt: &rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i)}, Payload: []byte{1}}, key: true, arrival: at})
		}
		if video {
			v := newBareTrack(media.CodecVP8)
			v.owner = p
			p.tracks = append(p.tracks, v)
			for i := range 90 { // 3 s of video, a keyframe at keyAt
				at := t0.Add(time.Duration(i) * time.Second / 30)
				key := keyAt >= 0 && at.Sub(t0).Round(time.Millisecond) == keyAt
				v.forward(fwdPacket{pkt: &rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i * 3000)}, Payload: []byte{1}}, key: key, arrival: at})
			}
		}
		return p, audio
	}
	seeded := func(audio *publishedTrack) []fwdPacket {
		lt := newLocalTrack(audio, audio.log, nil)
		if !audio.attach(lt) {
			t.Fatal("attach failed")
		}
		return lt.drain(nil)
	}

	_, audio := feed(true, 2*time.Second)
	got := seeded(audio)
	if len(got) == 0 || got[0].arrival.Before(t0.Add(2*time.Second-audioSeedLead)) || got[0].arrival.After(t0.Add(2*time.Second)) {
		t.Fatalf("seed of %d audio packets from %v after the start; want from %v before the keyframe at 2s",
			len(got), got[0].arrival.Sub(t0), audioSeedLead)
	}
	if last := got[len(got)-1].pkt.SequenceNumber; last != 149 {
		t.Errorf("seed ends at packet %d, want 149", last)
	}

	_, audio = feed(true, -1) // video, but no keyframe cached
	if got := seeded(audio); len(got) != 0 {
		t.Errorf("seed of %d audio packets while no video keyframe is cached, want none", len(got))
	}

	_, audio = feed(false, 0)
	if got := seeded(audio); len(got) != 150 {
		t.Errorf("seed of %d audio packets from a participant without video, want all 150", len(got))
	}
}
