package room

// ParticipantInfo describes one publisher of a room.
type ParticipantInfo struct {
	ID     string      `json:"id"`
	Name   string      `json:"name"`
	Tracks []TrackInfo `json:"tracks"` // never nil, in arrival order
}
