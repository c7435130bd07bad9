package room

// TrackInfo describes one published track.
type TrackInfo struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`  // "audio" | "video"
	Codec string `json:"codec"` // "VP8" | "H264" | "opus"
	// Source is what the track carries: "camera", "screen" or
	// "microphone" (the rule is on PublishOptions).
	Source string `json:"source"`
}
