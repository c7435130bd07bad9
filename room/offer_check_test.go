package room

import (
	"errors"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

func sdpText(lines ...string) string {
	head := []string{"v=0", "o=- 4215775240449105457 2 IN IP4 127.0.0.1", "s=-", "t=0 0"}
	return strings.Join(append(head, lines...), "\r\n") + "\r\n"
}

func mline(kind, dir string, fmts string, attrs ...string) []string {
	l := []string{"m=" + kind + " 9 UDP/TLS/RTP/SAVPF " + fmts, "c=IN IP4 0.0.0.0", "a=" + dir}
	return append(l, attrs...)
}

func join(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var (
	vp8Video  = mline("video", "sendonly", "96 97", "a=rtpmap:96 VP8/90000", "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96")
	opusAudio = mline("audio", "sendonly", "111", "a=rtpmap:111 opus/48000/2")
)

// offerCases feed the unit test and the fuzz seeds.
var offerCases = []struct {
	name    string
	sdp     string
	want    error
	message string
}{
	{"vp8 and opus", sdpText(join(vp8Video, opusAudio)...), nil, ""},
	{"h264 mode 1", sdpText(mline("video", "sendrecv", "102", "a=rtpmap:102 H264/90000",
		"a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f")...), nil, ""},
	{"audio only", sdpText(opusAudio...), nil, ""},
	{"bundle-only vp9", sdpText(join(opusAudio, []string{"m=video 0 UDP/TLS/RTP/SAVPF 98", "c=IN IP4 0.0.0.0", "a=bundle-only", "a=sendonly",
		"a=rtpmap:98 VP9/90000"})...), ErrUnsupportedCodec, "video m-line offers only VP9"},
	{"rejected vp9", sdpText(join(opusAudio, []string{"m=video 0 UDP/TLS/RTP/SAVPF 98", "c=IN IP4 0.0.0.0", "a=rtpmap:98 VP9/90000"})...), nil, ""},
	{"with data channel", sdpText(join(opusAudio, []string{"m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 0.0.0.0"})...), nil, ""},
	{"vp9 and av1 only", sdpText(join(mline("video", "sendonly", "98 99 100 101", "a=rtpmap:98 VP9/90000", "a=rtpmap:99 rtx/90000",
		"a=rtpmap:100 AV1/90000", "a=rtpmap:101 rtx/90000"), opusAudio)...), ErrUnsupportedCodec, "video m-line offers only VP9, AV1"},
	{"h264 mode 0", sdpText(mline("video", "sendonly", "102", "a=rtpmap:102 H264/90000", "a=fmtp:102 profile-level-id=42e01f")...),
		ErrUnsupportedCodec, "H264 (packetization-mode=0)"},
	{"pcmu static", sdpText(mline("audio", "sendonly", "0 8")...), ErrUnsupportedCodec, "audio m-line offers only PCMU, PCMA"},
	{"opus in video", sdpText(mline("video", "sendonly", "111", "a=rtpmap:111 opus/48000/2")...), ErrUnsupportedCodec, "video m-line offers only opus"},
	{"garbage", "hello world", ErrBadSDP, "parse offer"},
	{"json", `{"type":"offer","sdp":"v=0"}`, ErrBadSDP, "parse offer"},
	{"empty", "  ", ErrBadSDP, "empty offer"},
	{"too large", sdpText(join(vp8Video, []string{"a=x-pad:" + strings.Repeat("x", maxSDPSize)})...), ErrBadSDP, "bytes"},
	{"no media", sdpText(), ErrBadSDP, "no audio or video"},
	{"data channel only", sdpText("m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 0.0.0.0"), ErrBadSDP, "no audio or video"},
	{"recvonly", sdpText(mline("video", "recvonly", "96", "a=rtpmap:96 VP8/90000")...), ErrBadSDP, "sends no media"},
}

func TestCheckPublishOffer(t *testing.T) {
	seeds := map[string][]any{}
	for _, c := range offerCases {
		seeds[c.name] = []any{c.sdp}
		err := checkPublishOffer(c.sdp)
		switch {
		case c.want == nil && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != nil && !errors.Is(err, c.want):
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		case c.want != nil && !strings.Contains(err.Error(), c.message):
			t.Errorf("%s: err %q does not say %q", c.name, err, c.message)
		}
	}
	fuzzcorpus.Write(t, "FuzzCheckPublishOffer", seeds)
}

func TestCheckSubscribeOffer(t *testing.T) {
	dc := []string{"m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 0.0.0.0"}
	if err := checkSubscribeOffer(sdpText(dc...)); err != nil {
		t.Fatal(err)
	}
	if err := checkSubscribeOffer(sdpText(join(mline("video", "recvonly", "96", "a=rtpmap:96 VP8/90000"), dc)...)); err != nil {
		t.Fatal(err)
	}
	if err := checkSubscribeOffer(sdpText(opusAudio...)); !errors.Is(err, ErrBadSDP) {
		t.Fatalf("offer without data channel: %v", err)
	}
}

func FuzzCheckPublishOffer(f *testing.F) {
	for _, c := range offerCases {
		f.Add(c.sdp)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := checkPublishOffer(s)
		if err != nil && !errors.Is(err, ErrBadSDP) && !errors.Is(err, ErrUnsupportedCodec) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}
