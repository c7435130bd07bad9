// Package room is roomcast's SFU: named rooms that WHIP (RFC 9725)
// publishers join and that subscribers receive through one PeerConnection
// each, renegotiated over a data channel as the room's tracks come and go.
//
// Media is forwarded as RTP without transcoding: every packet keeps its
// sequence number and timestamp, and pion rewrites only the SSRC and the
// payload type per subscriber. The room answers NACKs itself (pion's NACK
// responder), forwards keyframe requests to the publisher, and writes its own
// RTCP sender reports so that all tracks share the SFU's wall clock while each
// publisher keeps its own audio/video alignment.
package room
