package room

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/rtc"
)

// floodSSRCs is how many random SSRCs a hostile peer's RTCP names, and
// floodMaxGrowth what the room's heap may grow by for them. Before the
// stream guard the room kept a read stream and a buffer of at least 2 KB
// per SSRC: 26 MB for 10,000.
const (
	floodSSRCs     = 10000
	floodMaxGrowth = 5 << 20
)

// TestPublisherRTCPFloodBounded: a publisher whose receiver reports name
// 10,000 random SSRCs grows the room's heap by less than floodMaxGrowth and
// is sent away; the room still serves the others.
func TestPublisherRTCPFloodBounded(t *testing.T) {
	m := newTestManager(t, Config{})
	if _, err := m.Create("flood"); err != nil {
		t.Fatal(err)
	}
	mallory := newTestPublisher(t, m, "flood", "mallory")
	eventually(t, 10*time.Second, "mallory's two tracks", func() bool {
		info, err := m.Get("flood")
		return err == nil && len(info.Participants) == 1 && len(info.Participants[0].Tracks) == 2
	})
	floodRTCP(t, m, mallory.pc, roomGuards(t, m, "flood")[0])

	newTestPublisher(t, m, "flood", "alice")
	sub := newTestSubscriber(t, m, "flood", subscriberSetup{})
	eventually(t, 10*time.Second, "alice's media at a subscriber after the flood", func() bool {
		ts, _ := sub.lastTrackList()
		return len(ts) == 2 && sub.receiving(trackIDs(ts), 20)
	})
}

// TestSubscriberRTCPFloodBounded: the same from a subscriber; the others
// keep receiving.
func TestSubscriberRTCPFloodBounded(t *testing.T) {
	m := newTestManager(t, Config{})
	if _, err := m.Create("flood"); err != nil {
		t.Fatal(err)
	}
	newTestPublisher(t, m, "flood", "alice")
	var subs []*testSubscriber
	for range 2 {
		sub := newTestSubscriber(t, m, "flood", subscriberSetup{})
		eventually(t, 10*time.Second, "media at a subscriber", func() bool {
			ts, _ := sub.lastTrackList()
			return len(ts) == 2 && sub.receiving(trackIDs(ts), 20)
		})
		subs = append(subs, sub)
	}
	guards := roomGuards(t, m, "flood")
	floodRTCP(t, m, subs[1].pc, guards[len(guards)-1])
	ts, _ := subs[0].lastTrackList()
	before := subs[0].track(ts[0].ID).received()
	eventually(t, 10*time.Second, "media at the other subscriber after the flood", func() bool {
		return subs[0].receiving(trackIDs(ts), before+20)
	})
}

// floodRTCP sends receiver reports about floodSSRCs random SSRCs from pc,
// until the room, whose guard of pc's peer is guard, sends the peer away.
// It checks the room's heap growth then.
func floodRTCP(t *testing.T, m *Manager, pc *webrtc.PeerConnection, guard *rtc.StreamGuard) {
	t.Helper()
	base := heapInUse()
	rng := rand.New(rand.NewPCG(1, 2))
	for sent := 0; sent < floodSSRCs && !guard.Stats().Flooded; {
		rr := &rtcp.ReceiverReport{SSRC: rng.Uint32()}
		for ; len(rr.Reports) < 31 && sent < floodSSRCs; sent++ {
			rr.Reports = append(rr.Reports, rtcp.ReceptionReport{SSRC: rng.Uint32()})
		}
		if err := pc.WriteRTCP([]rtcp.Packet{rr}); err != nil {
			break // the room has closed the connection
		}
		time.Sleep(200 * time.Microsecond) // no socket buffer overflow
	}
	eventually(t, 5*time.Second, "the flooding peer sent away", func() bool {
		return guard.Stats().Flooded && !slices.Contains(roomGuards(t, m, "flood"), guard)
	})
	grown := int64(heapInUse()) - int64(base)
	t.Logf("RTCP for random SSRCs: heap in use grew by %d KB; %+v", grown>>10, guard.Stats())
	if grown > floodMaxGrowth {
		t.Errorf("heap in use grew by %d KB, want < %d KB", grown>>10, floodMaxGrowth>>10)
	}
}

// heapInUse is the heap in use after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// roomGuards returns the stream guards of a room's publishers, then its
// subscribers.
func roomGuards(t *testing.T, m *Manager, name string) []*rtc.StreamGuard {
	t.Helper()
	ps, ss := roomPeers(t, m, name)
	var gs []*rtc.StreamGuard
	for _, p := range ps {
		gs = append(gs, p.guard)
	}
	for _, s := range ss {
		gs = append(gs, s.guard)
	}
	return gs
}
