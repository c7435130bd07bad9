package room

// Session is the result of Publish and Subscribe: the id to end the session
// with (Unpublish, Unsubscribe) and the complete SDP answer, with every ICE
// candidate gathered (no trickle).
type Session struct {
	ID        string
	AnswerSDP string
}
