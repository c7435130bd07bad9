package rtc

// SignalLabel is the label of the data channel a subscriber opens in its
// first offer. After the first exchange the server drives renegotiation over
// it: it sends an "offer" Signal each time the room's track set changes and
// the subscriber replies with an "answer" Signal.
const SignalLabel = "signal"

// Signal types.
const (
	SignalOffer  = "offer"
	SignalAnswer = "answer"
)

// Signal is one message on the signalling data channel, JSON encoded.
type Signal struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
	// Tracks lists, with every offer, all the tracks the subscription now
	// carries. A track missing from the list has ended.
	Tracks []TrackInfo `json:"tracks,omitempty"`
}

// TrackInfo describes a forwarded track. ID equals the track id in the
// offer's msid, so a subscriber can match its remote tracks.
type TrackInfo struct {
	ID              string `json:"id"`
	Kind            string `json:"kind"`  // "audio" | "video"
	Codec           string `json:"codec"` // "VP8" | "H264" | "opus"
	ParticipantID   string `json:"participant_id"`
	ParticipantName string `json:"participant_name"`
	// Source is "camera", "screen" or "microphone" ("" from older servers:
	// camera or microphone by kind).
	Source string `json:"source,omitempty"`
}
