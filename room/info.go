package room

// Info describes a room.
type Info struct {
	Name         string            `json:"name"`
	Participants []ParticipantInfo `json:"participants"` // never nil, in join order
	Subscribers  int               `json:"subscribers"`
}
