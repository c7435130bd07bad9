package room

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

const (
	// maxSDPSize bounds an offer; browsers' offers are a few kilobytes.
	maxSDPSize = 64 << 10
	// maxMediaSections bounds the audio and video m-lines of a publish offer.
	maxMediaSections = 16
)

// checkPublishOffer validates a WHIP offer before pion sees it: it parses,
// it sends at least one audio or video m-line, and every audio and video
// m-line offers a codec roomcast forwards (VP8, H.264 in packetization
// mode 1, Opus).
func checkPublishOffer(offer string) error {
	d, err := parseOffer(offer)
	if err != nil {
		return err
	}
	media, sending := 0, 0
	for _, m := range d.MediaDescriptions {
		kind := m.MediaName.Media
		if (kind != "audio" && kind != "video") || isRejected(m) {
			continue
		}
		media++
		if isSending(d, m) {
			sending++
		}
		if err := checkCodecs(kind, m); err != nil {
			return err
		}
	}
	switch {
	case media == 0:
		return fmt.Errorf("%w: offer has no audio or video m-line", ErrBadSDP)
	case media > maxMediaSections:
		return fmt.Errorf("%w: offer has %d audio/video m-lines (at most %d)", ErrBadSDP, media, maxMediaSections)
	case sending == 0:
		return fmt.Errorf("%w: offer sends no media (every m-line is recvonly or inactive)", ErrBadSDP)
	}
	return nil
}

// checkSubscribeOffer validates a subscriber's first offer: it parses and
// has a data channel (an application m-line). Media m-lines are allowed and
// stay unused.
func checkSubscribeOffer(offer string) error {
	d, err := parseOffer(offer)
	if err != nil {
		return err
	}
	for _, m := range d.MediaDescriptions {
		if m.MediaName.Media == "application" && !isRejected(m) {
			return nil
		}
	}
	return fmt.Errorf("%w: subscriber offer has no data channel (application m-line)", ErrBadSDP)
}

func parseOffer(offer string) (*sdp.SessionDescription, error) {
	switch {
	case strings.TrimSpace(offer) == "":
		return nil, fmt.Errorf("%w: empty offer", ErrBadSDP)
	case len(offer) > maxSDPSize:
		return nil, fmt.Errorf("%w: offer of %d bytes (at most %d)", ErrBadSDP, len(offer), maxSDPSize)
	}
	var d sdp.SessionDescription
	if err := d.UnmarshalString(offer); err != nil {
		return nil, fmt.Errorf("%w: parse offer: %w", ErrBadSDP, err)
	}
	return &d, nil
}

// isRejected reports an m-line with port 0 that is not bundle-only
// (RFC 8843 section 6).
func isRejected(m *sdp.MediaDescription) bool {
	if m.MediaName.Port.Value != 0 {
		return false
	}
	_, bundleOnly := m.Attribute("bundle-only")
	return !bundleOnly
}

// isSending reports whether the offerer sends on the m-line: sendrecv (the
// default) or sendonly, at media level or else at session level.
func isSending(d *sdp.SessionDescription, m *sdp.MediaDescription) bool {
	for _, attrs := range [][]sdp.Attribute{m.Attributes, d.Attributes} {
		for _, a := range attrs {
			switch a.Key {
			case "sendrecv", "sendonly":
				return true
			case "recvonly", "inactive":
				return false
			}
		}
	}
	return true
}

// checkCodecs fails with ErrUnsupportedCodec naming what the m-line offers
// when none of its formats is one roomcast forwards.
func checkCodecs(kind string, m *sdp.MediaDescription) error {
	rtpmaps, fmtps := formatAttributes(m)
	var offered []string
	for _, pt := range m.MediaName.Formats {
		name, ok := rtpmaps[pt]
		if !ok {
			name = staticPayloadName(pt)
		}
		if isForwarded(kind, name, fmtps[pt]) {
			return nil
		}
		if label := offeredLabel(name, fmtps[pt]); label != "" && !slices.Contains(offered, label) {
			offered = append(offered, label)
		}
	}
	if len(offered) == 0 {
		return fmt.Errorf("%w: %s m-line offers no codec (want VP8, H264 with packetization-mode=1 or opus)", ErrUnsupportedCodec, kind)
	}
	return fmt.Errorf("%w: %s m-line offers only %s (want VP8, H264 with packetization-mode=1 or opus)",
		ErrUnsupportedCodec, kind, strings.Join(offered, ", "))
}

// formatAttributes maps payload types to their rtpmap encoding names and
// their fmtp parameters.
func formatAttributes(m *sdp.MediaDescription) (rtpmaps, fmtps map[string]string) {
	rtpmaps, fmtps = map[string]string{}, map[string]string{}
	for _, a := range m.Attributes {
		pt, rest, ok := strings.Cut(a.Value, " ")
		if !ok {
			continue
		}
		switch a.Key {
		case "rtpmap":
			name, _, _ := strings.Cut(strings.TrimSpace(rest), "/")
			rtpmaps[pt] = name
		case "fmtp":
			fmtps[pt] = rest
		}
	}
	return rtpmaps, fmtps
}

func isForwarded(kind, name, fmtp string) bool {
	switch strings.ToLower(name) {
	case "vp8":
		return kind == "video"
	case "h264":
		return kind == "video" && fmtpParam(fmtp, "packetization-mode") == "1"
	case "opus":
		return kind == "audio"
	}
	return false
}

// offeredLabel names an unsupported format for the error message; repair
// and signalling formats are left out.
func offeredLabel(name, fmtp string) string {
	switch strings.ToLower(name) {
	case "rtx", "red", "ulpfec", "flexfec-03", "cn", "telephone-event":
		return ""
	case "h264":
		mode := fmtpParam(fmtp, "packetization-mode")
		if mode == "" {
			mode = "0"
		}
		return "H264 (packetization-mode=" + mode + ")"
	}
	return name
}

// fmtpParam returns one parameter of an fmtp value such as
// "profile-level-id=42e01f;packetization-mode=1".
func fmtpParam(fmtp, key string) string {
	for _, kv := range strings.Split(fmtp, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		if strings.EqualFold(k, key) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// staticPayloadName names the static payload types of RFC 3551 that may
// appear without an rtpmap.
func staticPayloadName(pt string) string {
	n, err := strconv.Atoi(pt)
	if err != nil {
		return "payload type " + pt
	}
	switch n {
	case 0:
		return "PCMU"
	case 3:
		return "GSM"
	case 4:
		return "G723"
	case 8:
		return "PCMA"
	case 9:
		return "G722"
	case 13:
		return "CN"
	case 18:
		return "G729"
	case 26:
		return "JPEG"
	case 31:
		return "H261"
	case 34:
		return "H263"
	}
	return "payload type " + pt
}
