// Package rtc builds the pion WebRTC API every roomcast peer uses: the codecs
// roomcast accepts (VP8, H.264 packetization-mode 1, Opus), the NACK and RTCP
// report interceptors, and the ICE network settings (a socket per
// PeerConnection, or one shared UDP socket).
package rtc

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/webrtc/v3"
)

// Options select the ICE network and which interceptors run.
type Options struct {
	// LoopbackOnly keeps every candidate on 127.0.0.1 (tests, one machine).
	LoopbackOnly bool
	// UDPPortMin and UDPPortMax bound the ICE UDP ports; 0 means any.
	UDPPortMin, UDPPortMax uint16
	// NAT1To1IPs are the public IPs announced as host candidates.
	NAT1To1IPs []string
	// SenderReports makes pion generate RTCP sender reports itself. The SFU
	// turns it off because it writes sender reports that carry each
	// publisher's clock.
	SenderReports bool
	// NACKResponder buffers sent packets and resends them on NACK.
	NACKResponder bool
	// NACKGenerator sends NACKs for packets missing on receive, and widens
	// the SRTP replay window to nackReplayWindow so that retransmissions
	// are not dropped as replays.
	NACKGenerator bool
	// UDPConn, when set, carries the ICE UDP traffic of every
	// PeerConnection built from the API through this one socket (pion's
	// ICE UDP mux), instead of a socket per PeerConnection: a single-port
	// deployment (one port to open; NAT1To1IPs still announce the public
	// address), or a test that wraps the socket to inject loss. Candidates
	// are UDP4 host candidates of the socket's address only, so
	// UDPPortMin/Max and LoopbackOnly do not apply; bind it to the address
	// peers should use (127.0.0.1 in tests).
	//
	// The caller owns the socket: close it after the last PeerConnection,
	// which stops the mux. A socket feeds one mux, so APIs built from
	// separate Options on one socket would steal each other's packets:
	// build them all from one WithSharedUDPMux result.
	UDPConn net.PacketConn

	// udpMux is the mux on UDPConn that WithSharedUDPMux made; copies of
	// the Options share it.
	udpMux ice.UDPMux
}

// Payload types roomcast registers. The numbers are local to each
// PeerConnection and are negotiated, so they only need to be unique here.
const (
	ptVP8  = 96
	ptOpus = 111
)

// h264Profiles are the profile-level-ids offered with packetization-mode=1:
// constrained baseline, baseline, main and high (RFC 6184 section 8.1).
var h264Profiles = []string{"42e01f", "42001f", "4d001f", "64001f"}

var videoFeedback = []webrtc.RTCPFeedback{
	{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"},
}

// nackReplayWindow is the SRTP replay window (RFC 3711 section 3.3.2) of
// connections that send NACKs. A retransmission arrives a round trip after
// the packets that followed the lost one, and SRTP drops a packet more than
// the window behind the newest as a replay: pion's default of 64 packets
// lasts 200 ms at 300 packets a second, so retransmissions over a longer
// round trip were dropped. 1024 packets is as many as the ingest's jitter
// buffer holds.
const nackReplayWindow = 1024

// dtlsRetransmit is how long a DTLS handshake flight waits for its answer
// before it is sent again (pion's default: a second, and no backoff). A
// peer drops the first flight when it comes before its own DTLS transport
// has started, which happens when its ICE agent marks the pair connected
// a moment after the other's: each such loss held a connection, and a
// job's first picture, a whole second.
const dtlsRetransmit = 200 * time.Millisecond

// H264Fmtp is the fmtp line for an H.264 profile in packetization mode 1.
func H264Fmtp(profile string) string {
	return "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=" + profile
}

// Codecs returns the codec parameters roomcast registers.
func Codecs() []webrtc.RTPCodecParameters {
	cs := []webrtc.RTPCodecParameters{{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFeedback},
		PayloadType:        ptVP8,
	}}
	for i, p := range h264Profiles {
		cs = append(cs, webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: H264Fmtp(p), RTCPFeedback: videoFeedback},
			PayloadType:        webrtc.PayloadType(102 + 2*i),
		})
	}
	cs = append(cs, webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"},
		PayloadType:        ptOpus,
	})
	return cs
}

// API builds roomcast's PeerConnections: pion's, with roomcast's codecs,
// interceptors and ICE settings, and a StreamGuard of their own.
type API struct {
	media    *webrtc.MediaEngine
	registry *interceptor.Registry
	settings webrtc.SettingEngine
}

// NewAPI builds an API from o.
func NewAPI(o Options) (*API, error) {
	m := &webrtc.MediaEngine{}
	for _, c := range Codecs() {
		kind := webrtc.RTPCodecTypeVideo
		if strings.HasPrefix(c.MimeType, "audio/") {
			kind = webrtc.RTPCodecTypeAudio
		}
		if err := m.RegisterCodec(c, kind); err != nil {
			return nil, fmt.Errorf("register codec %s: %w", c.MimeType, err)
		}
	}
	reg, err := interceptors(o)
	if err != nil {
		return nil, err
	}
	se, err := settings(o)
	if err != nil {
		return nil, err
	}
	return &API{media: m, registry: reg, settings: se}, nil
}

// NewPeerConnection builds a PeerConnection.
func (a *API) NewPeerConnection(c webrtc.Configuration) (*webrtc.PeerConnection, error) {
	pc, _, err := a.NewGuardedPeerConnection(c)
	return pc, err
}

// NewGuardedPeerConnection builds a PeerConnection and returns the guard of
// its SSRC read streams too. The SettingEngine's BufferFactory is the only
// hook pion has there, and it is shared by the PeerConnections of one
// webrtc.API, so each PeerConnection gets a webrtc.API of its own (the
// media engine is copied per PeerConnection and the interceptors built per
// PeerConnection either way).
func (a *API) NewGuardedPeerConnection(c webrtc.Configuration) (*webrtc.PeerConnection, *StreamGuard, error) {
	g := &StreamGuard{}
	se := a.settings
	se.BufferFactory = g.newBuffer
	api := webrtc.NewAPI(webrtc.WithMediaEngine(a.media), webrtc.WithInterceptorRegistry(a.registry), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(c)
	if err != nil {
		return nil, nil, err
	}
	return pc, g, nil
}

func interceptors(o Options) (*interceptor.Registry, error) {
	reg := &interceptor.Registry{}
	if o.NACKGenerator {
		g, err := nack.NewGeneratorInterceptor(nack.GeneratorInterval(20 * time.Millisecond))
		if err != nil {
			return nil, fmt.Errorf("nack generator: %w", err)
		}
		reg.Add(g)
	}
	if o.NACKResponder {
		r, err := nack.NewResponderInterceptor(nack.ResponderSize(2048))
		if err != nil {
			return nil, fmt.Errorf("nack responder: %w", err)
		}
		reg.Add(r)
	}
	rr, err := report.NewReceiverInterceptor()
	if err != nil {
		return nil, fmt.Errorf("receiver reports: %w", err)
	}
	reg.Add(rr)
	if o.SenderReports {
		sr, err := report.NewSenderInterceptor(report.SenderInterval(500 * time.Millisecond))
		if err != nil {
			return nil, fmt.Errorf("sender reports: %w", err)
		}
		reg.Add(sr)
	}
	return reg, nil
}

func settings(o Options) (webrtc.SettingEngine, error) {
	se := webrtc.SettingEngine{}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetDTLSRetransmissionInterval(dtlsRetransmit)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	if o.UDPPortMin != 0 || o.UDPPortMax != 0 {
		if err := se.SetEphemeralUDPPortRange(o.UDPPortMin, o.UDPPortMax); err != nil {
			return se, fmt.Errorf("udp port range %d-%d: %w", o.UDPPortMin, o.UDPPortMax, err)
		}
	}
	if o.NACKGenerator {
		se.SetSRTPReplayProtectionWindow(nackReplayWindow)
	}
	if len(o.NAT1To1IPs) > 0 {
		se.SetNAT1To1IPs(o.NAT1To1IPs, webrtc.ICECandidateTypeHost)
	}
	if o.LoopbackOnly {
		se.SetIncludeLoopbackCandidate(true)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	if mux := o.mux(); mux != nil {
		se.SetICEUDPMux(mux)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	}
	return se, nil
}
