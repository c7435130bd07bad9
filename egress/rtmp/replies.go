package rtmp

import (
	"fmt"
	"strings"
)

// command handles an AMF0 command from the server. _result replies, which
// advance gomedia's connect → createStream → publish sequence, are
// re-chunked and fed to gomedia. The session reads every reply's meaning
// itself: gomedia keeps the stream ID private, drops _error's description
// and only reports status through callbacks with no way to fail.
func (s *session) command(m message) error {
	cmd, err := decodeCommand(m.payload)
	if err != nil {
		s.log.Debug("rtmp: ignoring an undecodable command", "target", s.t, "err", err)
		return nil
	}
	switch cmd.name {
	case "_result", "_error", "onStatus":
	default:
		return nil // onBWDone, onFCPublish, _checkbw, …
	}
	if cmd.name == "_result" && cmd.tid == tidCreateStream && s.connected.Load() {
		s.streamID.Store(cmd.streamID())
	}
	if cmd.name == "_result" {
		if err := s.forward(m.payload); err != nil {
			return err
		}
	}
	return s.afterCommand(cmd)
}

// forward hands one command message to gomedia as a single type-0 chunk
// sequence at gomedia's default chunk size: gomedia's own reader never sees
// the server's chunking, control messages or anything malformed.
func (s *session) forward(payload []byte) error {
	buf, err := appendChunks(nil, message{csid: csidCommand, typ: msgCommandAMF0, payload: payload}, 128)
	if err != nil {
		return err
	}
	return s.input(buf)
}

// afterCommand follows the exchange the way gomedia's client does.
func (s *session) afterCommand(cmd command) error {
	st := cmd.status()
	switch cmd.name {
	case "_result":
		switch {
		case cmd.tid == tidConnect && !s.connected.Load():
			s.connected.Store(true)
			s.setOutChunk()
		case cmd.tid == tidCreateStream && s.connected.Load():
			s.publishSent.Store(true)
		}
	case "_error":
		if cmd.tid == tidConnect || cmd.tid == tidCreateStream || strings.HasPrefix(st.code, "NetStream.Publish") {
			return s.refused(st)
		}
		s.log.Debug("rtmp: ignoring an _error reply", "target", s.t, "status", st.describe(s.t))
	case "onStatus":
		switch {
		case st.code == "NetStream.Publish.Start":
			s.markPublished()
		case st.isError():
			return s.refused(st)
		}
	}
	return nil
}

// refused is ErrRejected before publishing starts; later it is an ordinary
// destination error, which the supervisor retries. So is "Already
// publishing" (nginx-rtmp's BadName): the server still holds an earlier
// session of the key, as after a network blip, and drops it in time.
func (s *session) refused(st status) error {
	switch {
	case s.publishing.Load():
		return fmt.Errorf("server ended the stream: %s", st.describe(s.t))
	case st.busy():
		return fmt.Errorf("stream key busy: %s", st.describe(s.t))
	}
	return fmt.Errorf("%w: %s", ErrRejected, st.describe(s.t))
}
