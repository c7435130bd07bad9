package source_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/pipeline/rtc/rtctest"
	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/room/synth"
	"github.com/roomcast/roomcast/test/testutil"
)

// lossEvery is the loss the NACK tests inject: one SRTP packet in 33 (3%).
const lossEvery = 33

// TestIngestRecoversLostPackets drops every 33rd SRTP packet on its way to
// the ingest, and checks that the ingest's NACKs and the room's NACK
// responder recover the video: packets come back as retransmissions, next
// to none are given up on, and (almost) every frame the publishers sent is
// delivered. Audio has no NACK feedback in roomcast's codecs (an Opus loss
// is concealed by the decoder), so its losses stay lost.
//
// The loss stops for the last second of media: a packet lost just before a
// publisher leaves cannot come back, as the room drops the track (and its
// NACK responder) when the publisher leaves. The jitter buffer waits up to
// a second (the default is 300 ms) so that a scheduling stall of a loaded
// -race run does not give up on a retransmission on its way.
func TestIngestRecoversLostPackets(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, srv, closeRoom := newTestRoom(t)
	defer closeRoom()
	udp := listenLoopbackUDP(t)
	defer udp.Close()
	lossy := rtctest.NewLossyConn(udp, rtctest.Incoming, lossEvery)

	rec := newRecorder()
	ing := startIngest(t, m, source.Config{
		Server: srv.URL, Name: "lossy", Handler: rec, RTC: rtc.Options{UDPConn: lossy}, Latency: time.Second,
	})
	pubs := map[string]*publisher{
		"vera": startPublisher(t, srv.URL, "vera", media.CodecVP8, 6*time.Second),
		"hugo": startPublisher(t, srv.URL, "hugo", media.CodecH264, 6*time.Second),
	}
	for _, p := range pubs {
		defer p.close(t)
	}
	testutil.Eventually(t, 30*time.Second, "5 s of media sent", func() bool {
		return pubs["vera"].p.Stats().VideoFrames >= 5*synth.DefaultFPS && pubs["hugo"].p.Stats().VideoFrames >= 5*synth.DefaultFPS
	})
	lossy.Stop()
	for name, p := range pubs {
		if err := p.wait(t); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	testutil.Eventually(t, 10*time.Second, "the tracks removed", func() bool { return rec.gone("vera") && rec.gone("hugo") })
	if err := ing.stop(t); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}

	seen, dropped := lossy.Counts()
	t.Logf("SRTP packets by payload type: seen %v, dropped %v", seen, dropped)
	if total(dropped) < 10 {
		t.Fatalf("only %d packets dropped", total(dropped))
	}
	for name, p := range pubs {
		checkRecovered(t, rec, ing.in, name, p.p.Stats(), uint64(dropped[opusPT]))
	}
	for _, e := range rec.errors() {
		t.Error(e)
	}
}

// opusPT is the payload type rtc registers Opus under, by which the lossy
// socket counts the audio packets it dropped.
const opusPT = 111

// checkRecovered checks one participant's tracks after loss. Audio, which
// has no NACK, may lack the audioDropped packets the socket dropped of
// every participant's audio (every 33rd packet of the socket can fall on
// one audio stream more often than 1 in 33), and 1 % more.
func checkRecovered(t *testing.T, rec *recorder, in *source.Ingest, name string, sent synth.Stats, audioDropped uint64) {
	t.Helper()
	v, a, _ := rec.of(name)
	vs, okv := trackStats(in, name, media.KindVideo)
	as, oka := trackStats(in, name, media.KindAudio)
	if !okv || !oka {
		t.Fatalf("%s: no stats for both tracks", name)
	}
	logStats(t, vs)
	logStats(t, as)
	t.Logf("%s: video %d/%d frames, audio %d/%d packets; the publisher got %d NACKs",
		name, v.units, sent.VideoFrames, a.units, sent.AudioFrames, sent.NACKs)
	if vs.Recovered == 0 {
		t.Errorf("%s video: no packet recovered", name)
	}
	if vs.Lost*100 > vs.Packets {
		t.Errorf("%s video: %d of %d packets lost, want at most 1%%", name, vs.Lost, vs.Packets)
	}
	if got, want := uint64(v.units), sent.VideoFrames; got > want || got*100 < want*99 {
		t.Errorf("%s video: delivered %d frames, sent %d; want at least 99%%", name, got, want)
	}
	if got, want := uint64(a.units), sent.AudioFrames; got > want || got+audioDropped+want/100 < want {
		t.Errorf("%s audio: delivered %d packets, sent %d, %d of all audio dropped by the socket; want at most 1%% more lost", name, got, want, audioDropped)
	}
}

func total(counts map[uint8]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// TestIngestRecoversOverLongRTT is TestIngestRecoversLostPackets with NACK
// round trips of a second: the ingest's RTCP leaves a second late, so a
// retransmission comes back about a hundred H.264 packets after the lost
// one, beyond pion's default SRTP replay window of 64 packets, which rtc
// widens for connections that send NACKs. The ingest waits up to 3 s: a
// retransmission that is itself lost comes a second round trip later.
func TestIngestRecoversOverLongRTT(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, srv, closeRoom := newTestRoom(t)
	defer closeRoom()
	delayed := rtctest.NewRTCPDelayConn(listenLoopbackUDP(t), time.Second)
	defer delayed.Close()
	lossy := rtctest.NewLossyConn(delayed, rtctest.Incoming, lossEvery)

	rec := newRecorder()
	ing := startIngest(t, m, source.Config{
		Server: srv.URL, Name: "far", Handler: rec, RTC: rtc.Options{UDPConn: lossy}, Latency: 3 * time.Second,
	})
	p := startPublisher(t, srv.URL, "hugo", media.CodecH264, 5*time.Second)
	defer p.close(t)
	// The loss stops two seconds before the end, the time to recover.
	testutil.Eventually(t, 30*time.Second, "3 s of media sent", func() bool { return p.p.Stats().VideoFrames >= 3*synth.DefaultFPS })
	lossy.Stop()
	if err := p.wait(t); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, "the tracks removed", func() bool { return rec.gone("hugo") })
	if err := ing.stop(t); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	seen, dropped := lossy.Counts()
	t.Logf("SRTP packets by payload type: seen %v, dropped %v", seen, dropped)
	checkRecovered(t, rec, ing.in, "hugo", p.p.Stats(), uint64(dropped[opusPT]))
}
