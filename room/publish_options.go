package room

// PublishOptions configure a WHIP publish.
//
// Screen share: a published track's source (TrackInfo.Source,
// rtc.TrackInfo.Source) is "microphone" for audio. A video track is
// "screen" when
//
//   - the session is a screen share (Screen, the WHIP query parameter
//     screen=1): every video track of the session is a screen, as from a
//     browser's second "Share screen" session; or
//   - the track's id in the offer's msid (a=msid:<stream> <track-id>, what
//     pion reports as TrackRemote.ID) starts with "screen": so one session
//     can carry a camera and a screen, as the synthetic publisher does;
//
// and "camera" otherwise.
type PublishOptions struct {
	// Name is the participant's display name: 1-64 printable characters.
	// Names need not be unique: a screen-share session is a participant
	// of its own, named as its request says (the room page uses
	// "<name> (screen)").
	Name string
	// Screen marks every video track of the session as a shared screen.
	Screen bool
	// OfferSDP is the publisher's offer.
	OfferSDP string
}
