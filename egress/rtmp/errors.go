package rtmp

import "errors"

// ErrRejected means the server refused the publish: an _error reply, an
// onStatus of level "error" (NetStream.Publish.BadName but for "Already
// publishing", NetConnection.Connect.Rejected, …), or the connection
// closed right after the publish command, which is how nginx-rtmp answers
// an on_publish hook that returns 403. The wrapping error names the server's code and
// description, never the key. Retrying will not help.
var ErrRejected = errors.New("publish rejected")

// ErrStall means units were waiting but no byte reached the connection for
// Config.StallTimeout.
var ErrStall = errors.New("rtmp output stalled")

// ErrHandshakeTimeout means the server did not complete the RTMP handshake
// or the connect…publish exchange within Config.HandshakeTimeout.
var ErrHandshakeTimeout = errors.New("rtmp handshake timed out")

// errServerClosed is the read side's EOF once publishing.
var errServerClosed = errors.New("server closed the connection")
