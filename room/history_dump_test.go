package room

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtpdump"
	"github.com/roomcast/roomcast/test/testutil"
)

// dumpedPacket is one packet read back from a dump.
type dumpedPacket struct {
	track   rtpdump.Track
	arrival time.Time
	pkt     rtp.Packet
}

// readDump parses a whole dump.
func readDump(t *testing.T, b []byte) ([]rtpdump.Track, []dumpedPacket) {
	t.Helper()
	r := rtpdump.NewReader(bytes.NewReader(b))
	var pkts []dumpedPacket
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return r.Tracks(), pkts
		}
		if err != nil {
			t.Fatalf("dump of %d bytes: %v", len(b), err)
		}
		if p, ok := rec.(*rtpdump.Packet); ok {
			d := dumpedPacket{track: r.Tracks()[p.Track], arrival: p.Arrival}
			if err := d.pkt.Unmarshal(bytes.Clone(p.RTP)); err != nil {
				t.Fatalf("packet %d of the dump: %v", len(pkts), err)
			}
			pkts = append(pkts, d)
		}
	}
}

// TestWriteHistory publishes VP8 or H.264 with Opus into a room, then
// replays its recent past from the room's history and checks the dump: the
// tracks as the room lists them, packets in arrival order, video starting
// at the keyframe before the time asked for, audio 100 ms before it, and
// both running up to about now.
func TestWriteHistory(t *testing.T) {
	for _, codec := range []media.Codec{media.CodecVP8, media.CodecH264} {
		t.Run(string(codec), func(t *testing.T) {
			const window = 3 * time.Second
			m := newTestManager(t, Config{History: window})
			if _, err := m.Create("r1"); err != nil {
				t.Fatal(err)
			}
			pub := newTestPublisherWith(t, m, "r1", "alice", codec)
			// 2 s of media: four keyframes (every 0.5 s).
			testutil.Eventually(t, 10*time.Second, "alice sending", func() bool { return pub.frames.Load() > 100 })
			testutil.Eventually(t, 10*time.Second, "alice's tracks in the room", func() bool {
				info, _ := m.Get("r1")
				return len(participantTracks(info, pub.session.ID)) == 2
			})
			// Wall clock only (Round(0)): the dump's arrival times are wall
			// clock, and the history compares with since as given; with a
			// monotonic reading it would compare on another clock, which a
			// slewing wall clock drifts from by milliseconds.
			since := time.Now().Add(-time.Second).Round(0)
			var buf bytes.Buffer
			if err := m.WriteHistory(&buf, "r1", since); err != nil {
				t.Fatal(err)
			}
			end := time.Now()
			tracks, pkts := readDump(t, buf.Bytes())
			checkDumpTracks(t, m, pub, tracks, codec)
			checkDumpPackets(t, pkts, since, end, window, true, codec)

			// From long ago: everything kept, from the first kept keyframe.
			buf.Reset()
			if err := m.WriteHistory(&buf, "r1", time.Now().Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			_, old := readDump(t, buf.Bytes())
			if len(old) <= len(pkts) {
				t.Errorf("a replay from an hour ago has %d packets, one from a second ago %d", len(old), len(pkts))
			}
			checkDumpPackets(t, old, time.Now().Add(-time.Hour), time.Now(), window, false, codec)
		})
	}
}

func checkDumpTracks(t *testing.T, m *Manager, pub *testPublisher, tracks []rtpdump.Track, codec media.Codec) {
	t.Helper()
	info, err := m.Get("r1")
	if err != nil {
		t.Fatal(err)
	}
	listed := participantTracks(info, pub.session.ID)
	if len(tracks) != len(listed) {
		t.Fatalf("dump tracks %+v, room tracks %+v", tracks, listed)
	}
	for i, tr := range tracks {
		want := map[string]string{"video": string(codec), "audio": "opus"}[tr.Kind]
		rate := map[string]uint32{"video": 90000, "audio": 48000}[tr.Kind]
		if tr.Index != uint16(i) || tr.ID != listed[i].ID || tr.Codec != want || tr.ClockRate != rate ||
			tr.ParticipantID != pub.session.ID || tr.ParticipantName != "alice" || tr.Source != listed[i].Source {
			t.Errorf("dump track %d = %+v, room lists %+v", i, tr, listed[i])
		}
	}
}

// checkDumpPackets checks a replay asked from since and written at end of
// a history of window; recent says since is inside the history.
func checkDumpPackets(t *testing.T, pkts []dumpedPacket, since, end time.Time, window time.Duration, recent bool, codec media.Codec) {
	t.Helper()
	first := map[string]dumpedPacket{}
	last := map[string]time.Time{}
	for i, p := range pkts {
		if i > 0 && p.arrival.Before(pkts[i-1].arrival) {
			t.Fatalf("packet %d arrived at %s, before packet %d at %s", i, p.arrival.Format(time.StampMicro), i-1, pkts[i-1].arrival.Format(time.StampMicro))
		}
		if _, ok := first[p.track.Kind]; !ok {
			first[p.track.Kind] = p
		}
		last[p.track.Kind] = p.arrival
	}
	if len(first) != 2 {
		t.Fatalf("the dump has packets of %d kinds, want audio and video", len(first))
	}
	v, a := first["video"], first["audio"]
	if !keyframeDetector(codec)(v.pkt.Payload) {
		t.Errorf("the video starts with %x, not a keyframe", v.pkt.Payload)
	}
	// The replay starts at since, or at the start of the history; video
	// at most a GOP (0.5 s) earlier, plus the jitter of a loaded machine.
	from := since
	if start := end.Add(-window); start.After(from) {
		from = start
	}
	const slack = 500 * time.Millisecond
	if v.arrival.Before(from.Add(-500*time.Millisecond - slack)) {
		t.Errorf("the video starts %v before %s, more than a GOP", from.Sub(v.arrival), from.Format(time.StampMilli))
	}
	if a.arrival.Before(from.Add(-historyAudioLead - slack)) {
		t.Errorf("the audio starts %v before %s", from.Sub(a.arrival), from.Format(time.StampMilli))
	}
	if recent {
		if v.arrival.After(since) {
			t.Errorf("the video starts %v after since: not at the keyframe before it", v.arrival.Sub(since))
		}
		// Packets are 20 ms apart, unless the machine stalls.
		if a.arrival.Before(since.Add(-historyAudioLead)) || a.arrival.After(since.Add(slack-historyAudioLead)) {
			t.Errorf("the audio starts %v before since, want about %v", since.Sub(a.arrival), historyAudioLead)
		}
	}
	for kind, at := range last {
		if d := end.Sub(at); d > 2*slack {
			t.Errorf("the %s ends %v before the dump was written", kind, d)
		}
	}
}

func TestWriteHistoryNoHistory(t *testing.T) {
	m := newTestManager(t, Config{History: -1})
	if err := m.WriteHistory(io.Discard, "nope", time.Now()); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("unknown room: %v", err)
	}
	if _, err := m.Create("r1"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.WriteHistory(&buf, "r1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if tracks, pkts := readDump(t, buf.Bytes()); len(tracks) != 0 || len(pkts) != 0 {
		t.Errorf("empty room: %d tracks, %d packets", len(tracks), len(pkts))
	}
	pub := newTestPublisher(t, m, "r1", "alice")
	testutil.Eventually(t, 10*time.Second, "alice's tracks in the room", func() bool {
		info, _ := m.Get("r1")
		return len(participantTracks(info, pub.session.ID)) == 2 && pub.frames.Load() > 25
	})
	buf.Reset()
	if err := m.WriteHistory(&buf, "r1", time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if tracks, pkts := readDump(t, buf.Bytes()); len(tracks) != 2 || len(pkts) != 0 {
		t.Errorf("room without history: %d tracks, %d packets; want 2 and none", len(tracks), len(pkts))
	}
}
