package room

// Info describes a room.
type Info struct {
	Name         string            `json:"name"`
	Participants []ParticipantInfo `json:"participants"` // never nil, in join order
	Subscribers  int               `json:"subscribers"`
	// LocalSubscribers read the room without WebRTC: the jobs of this
	// process (Scope.SubscribeLocal) and relay connections (Scope.Relay).
	LocalSubscribers int `json:"local_subscribers,omitempty"`
}
