package types

import "time"

// Room is a room as GET /v1/rooms/{room} answers it (room.Info).
type Room struct {
	Name         string        `json:"name"`
	Participants []Participant `json:"participants"` // in join order
	Subscribers  int           `json:"subscribers"`
}

// Participant is one publisher of a room (room.ParticipantInfo).
type Participant struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Tracks []Track `json:"tracks"` // in arrival order
}

// Track is one published track (room.TrackInfo).
type Track struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`  // "audio" | "video"
	Codec string `json:"codec"` // "VP8" | "H264" | "opus"
	// Source is "camera", "screen" or "microphone".
	Source string `json:"source"`
}

// TokenRequest asks POST /v1/rooms/{room}/tokens for a participant's
// join token.
type TokenRequest struct {
	Name       string `json:"name"`
	Publish    bool   `json:"publish"`
	Subscribe  bool   `json:"subscribe"`
	TTLSeconds int    `json:"ttl_seconds,omitempty"` // 0: the server's default
}

// Token is a signed join token for one room; it is a credential.
type Token struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}
