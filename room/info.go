package room

// Info describes a room.
type Info struct {
	Name         string            `json:"name"`
	Participants []ParticipantInfo `json:"participants"` // never nil, in join order
	Subscribers  int               `json:"subscribers"`
	// LocalSubscribers are the jobs of this process that read the room
	// without WebRTC (Scope.SubscribeLocal).
	LocalSubscribers int `json:"local_subscribers,omitempty"`
}
