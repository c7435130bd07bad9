package room

// Info describes a room.
type Info struct {
	Name         string            `json:"name"`
	Participants []ParticipantInfo `json:"participants"` // never nil, in join order
	Subscribers  int               `json:"subscribers"`
	// LocalSubscribers are the jobs of this process that read the room
	// without WebRTC (Scope.SubscribeLocal).
	LocalSubscribers int `json:"local_subscribers,omitempty"`
	// RelaySubscribers are the relay connections (Scope.Relay), remote
	// workers' jobs.
	RelaySubscribers int `json:"relay_subscribers,omitempty"`
}
