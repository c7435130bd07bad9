package room

// SubscribeOptions configure a subscription.
type SubscribeOptions struct {
	// Name labels the subscriber in logs; optional, else 1-64 printable
	// characters.
	Name string
	// ExcludeParticipant is a participant id whose tracks are not
	// forwarded (a participant that subscribes to the rest of its room).
	ExcludeParticipant string
	// OfferSDP is the subscriber's first offer: a data channel labelled
	// rtc.SignalLabel, optionally with recvonly media m-lines that stay
	// unused.
	OfferSDP string
}
