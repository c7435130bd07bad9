package rtmp

// RTMP message type IDs (RTMP spec 5.4 and 7.1, Adobe 2012).
const (
	msgSetChunkSize  = 1
	msgAbort         = 2
	msgAck           = 3
	msgUserControl   = 4
	msgWindowAckSize = 5
	msgSetPeerBW     = 6
	msgAudio         = 8
	msgVideo         = 9
	msgDataAMF0      = 18
	msgCommandAMF0   = 20
)

// User control event types (RTMP spec 7.1.7).
const (
	ucPingRequest  = 6
	ucPingResponse = 7
)

// Chunk stream IDs this package writes on. Protocol control messages go on
// chunk stream 2 (RTMP spec 5.4); the others mirror gomedia's choice so a
// capture reads the same whichever side wrote a message.
const (
	csidControl = 2
	csidCommand = 3
	csidVideo   = 5
	csidAudio   = 6
	csidData    = 7
)

// message is one RTMP message.
type message struct {
	csid     uint32
	typ      uint8
	streamID uint32
	ts       uint32 // ms
	payload  []byte
	// shared, when set, holds the payload already cut into chunks for
	// every output (payload is nil then).
	shared *sharedUnit
}
