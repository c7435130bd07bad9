// Package synth is a synthetic room participant: it publishes a looping test
// pattern (VP8 or H.264) and a 440 Hz tone (Opus) into a roomcast room over
// WHIP (RFC 9725). The `roomcast publish` command, the e2e tests and the
// benchmarks use it as a stand-in for a browser.
//
// The media is encoded once by the ffmpeg command and cached on disk; Run
// reads it into memory and writes it on an absolute schedule, so the RTP
// timestamps (and the RTCP sender reports pion derives from them) follow the
// wall clock for video and audio alike.
//
// With Config.File it publishes a media file instead, copied where WebRTC
// can carry its codecs and transcoded where not, in the file's own sync
// (file_source.go, file_loop.go).
package synth
