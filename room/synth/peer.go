package synth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc"
)

// Peer connection limits.
const (
	gatherTimeout  = 5 * time.Second
	connectTimeout = 20 * time.Second
)

// Errors from the peer connection after the WHIP exchange.
var (
	ErrConnectTimeout = errors.New("peer connection did not connect in time")
	// ErrPeerFailed is ICE failing, which is also how a server that went
	// away shows: pion v3 does not report a remote DTLS close.
	ErrPeerFailed = errors.New("peer connection failed")
)

// peer is the send-only PeerConnection with one video and one audio track.
type peer struct {
	pc           *webrtc.PeerConnection
	video, audio *webrtc.TrackLocalStaticSample
	videoSender  *webrtc.RTPSender
	audioSender  *webrtc.RTPSender
	screen       *screenShare // nil without Config.Screen
	log          *slog.Logger
	stats        *counters

	connected, ended chan struct{}
	connectOnce      sync.Once
	endOnce          sync.Once
	endErr           error // set before ended is closed
	closeOnce        sync.Once

	stateMu sync.Mutex
	closing bool // no state updates once we close
}

// newPeer builds the PeerConnection and adds the send-only tracks; the
// stream id of both is the participant name, made safe for SDP. c says
// which tracks have media to send and in which video codec.
func newPeer(cfg Config, c clips, stats *counters) (*peer, error) {
	api, err := rtc.NewAPI(rtc.Options{LoopbackOnly: cfg.LoopbackOnly, SenderReports: true, NACKResponder: true, UDPConn: cfg.UDPConn})
	if err != nil {
		return nil, fmt.Errorf("webrtc api: %w", err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	p := &peer{pc: pc, log: cfg.Logger, stats: stats, connected: make(chan struct{}), ended: make(chan struct{})}
	pc.OnConnectionStateChange(p.onState)
	if err := p.addTracks(cfg, c); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func (p *peer) addTracks(cfg Config, c clips) error {
	var err error
	sid := streamID(cfg.Name)
	p.video, err = webrtc.NewTrackLocalStaticSample(videoCapability(c.videoCodec(cfg.Codec)), "video", sid)
	if err != nil {
		return fmt.Errorf("video track: %w", err)
	}
	p.audio, err = webrtc.NewTrackLocalStaticSample(
		webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", sid)
	if err != nil {
		return fmt.Errorf("audio track: %w", err)
	}
	if p.videoSender, err = p.addSendOnlyIf(c.sends(media.KindVideo), p.video); err != nil {
		return err
	}
	if p.audioSender, err = p.addSendOnlyIf(c.sends(media.KindAudio), p.audio); err != nil {
		return err
	}
	return p.addScreen(cfg)
}

func videoCapability(codec media.Codec) webrtc.RTPCodecCapability {
	if codec == media.CodecH264 {
		return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: rtc.H264Fmtp("42e01f")}
	}
	return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
}

// addSendOnly adds t on a send-only transceiver that offers t's codec
// only, so the answer cannot pick one the track does not carry.
func (p *peer) addSendOnly(t *webrtc.TrackLocalStaticSample) (*webrtc.RTPSender, error) {
	tr, err := p.pc.AddTransceiverFromTrack(t, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return nil, fmt.Errorf("add %s transceiver: %w", t.Kind(), err)
	}
	if err := tr.SetCodecPreferences(matchingCodecs(t.Codec())); err != nil {
		return nil, fmt.Errorf("%s codec preferences: %w", t.Kind(), err)
	}
	return tr.Sender(), nil
}

// matchingCodecs are roomcast's registered codecs with c's type and fmtp.
func matchingCodecs(c webrtc.RTPCodecCapability) []webrtc.RTPCodecParameters {
	var out []webrtc.RTPCodecParameters
	for _, rc := range rtc.Codecs() {
		if strings.EqualFold(rc.MimeType, c.MimeType) && (c.SDPFmtpLine == "" || rc.SDPFmtpLine == c.SDPFmtpLine) {
			out = append(out, rc)
		}
	}
	return out
}

// onState tracks the connection state. pion calls it from a new goroutine
// per change, so calls may come late or out of order: Stats reads the
// current state rather than s, and nothing once close began.
func (p *peer) onState(s webrtc.PeerConnectionState) {
	p.log.Debug("peer connection state", "state", s.String())
	p.stateMu.Lock()
	if !p.closing {
		p.stats.connected.Store(p.pc.ConnectionState() == webrtc.PeerConnectionStateConnected)
	}
	p.stateMu.Unlock()
	switch s {
	case webrtc.PeerConnectionStateConnected:
		p.connectOnce.Do(func() { close(p.connected) })
	case webrtc.PeerConnectionStateFailed:
		p.end(ErrPeerFailed)
	}
}

func (p *peer) end(err error) {
	p.endOnce.Do(func() {
		p.endErr = err
		close(p.ended)
	})
}

// offer creates the SDP offer with all ICE candidates in it, waiting for
// gathering at most gatherTimeout (WHIP without trickle ICE).
func (p *peer) offer(ctx context.Context) (string, error) {
	offer, err := p.pc.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("create offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(offer); err != nil {
		return "", fmt.Errorf("set local description: %w", err)
	}
	t := time.NewTimer(gatherTimeout)
	defer t.Stop()
	select {
	case <-gathered:
	case <-t.C:
		p.log.Warn("ICE gathering incomplete, sending the candidates found so far", "after", gatherTimeout)
	case <-ctx.Done():
		return "", fmt.Errorf("gather ICE candidates: %w", ctx.Err())
	}
	return p.pc.LocalDescription().SDP, nil
}

func (p *peer) setAnswer(sdp string) error {
	err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp})
	if err != nil {
		return fmt.Errorf("set remote description (SDP answer): %w", err)
	}
	return nil
}

// waitConnected waits for ICE and DTLS, at most connectTimeout.
func (p *peer) waitConnected(ctx context.Context) error {
	t := time.NewTimer(connectTimeout)
	defer t.Stop()
	select {
	case <-p.connected:
		return nil
	case <-p.ended:
		return fmt.Errorf("connect: %w", p.endErr)
	case <-t.C:
		return fmt.Errorf("%w (%s)", ErrConnectTimeout, connectTimeout)
	case <-ctx.Done():
		return fmt.Errorf("connect: %w", ctx.Err())
	}
}

// close closes the PeerConnection once; later calls are no-ops.
func (p *peer) close() {
	p.closeOnce.Do(func() {
		p.stateMu.Lock()
		p.closing = true
		p.stats.connected.Store(false)
		p.stateMu.Unlock()
		p.end(nil) // we closed it: not a failure
		if err := p.pc.Close(); err != nil {
			p.log.Debug("close peer connection", "err", err)
		}
	})
}
