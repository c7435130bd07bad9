package h264

import "bytes"

// Annex-B byte streams (ITU-T H.264 Annex B): NAL units behind 0x000001 or
// 0x00000001 start codes.

// StartCode is the 4-byte start code the pipeline writes.
var StartCode = []byte{0, 0, 0, 1}

// SplitAnnexB returns the NAL units of an Annex-B stream, accepting 3- and
// 4-byte start codes, without start codes or trailing zero bytes (a NAL
// unit ends with the rbsp stop bit, so they belong to the next start code).
// Bytes before the first start code and empty NAL units are dropped. The
// units share b's memory.
func SplitAnnexB(b []byte) [][]byte {
	var nalus [][]byte
	start := -1
	for i := nextStartCode(b, 0); i >= 0; i = nextStartCode(b, start) {
		if start >= 0 {
			nalus = appendNALU(nalus, b[start:i])
		}
		start = i + 3
	}
	if start >= 0 {
		nalus = appendNALU(nalus, b[start:])
	}
	return nalus
}

// startCode3 is the 3-byte start code, which ends the 4-byte one too.
var startCode3 = []byte{0, 0, 1}

// nextStartCode returns where the first 00 00 01 at or after i starts,
// or -1. bytes.Index finds it with vector instructions: a byte at a time,
// splitting was most of what turning a 1080p frame into an RTMP message
// cost.
func nextStartCode(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	k := bytes.Index(b[i:], startCode3)
	if k < 0 {
		return -1
	}
	return i + k
}

// appendNALU appends n without its trailing zeros, unless that leaves it
// empty.
func appendNALU(nalus [][]byte, n []byte) [][]byte {
	for len(n) > 0 && n[len(n)-1] == 0 {
		n = n[:len(n)-1]
	}
	if len(n) == 0 {
		return nalus
	}
	return append(nalus, n)
}

// JoinAnnexB writes NAL units as Annex-B with 4-byte start codes into a new
// buffer.
func JoinAnnexB(nalus [][]byte) []byte {
	size := 0
	for _, n := range nalus {
		size += len(StartCode) + len(n)
	}
	out := make([]byte, 0, size)
	for _, n := range nalus {
		out = append(out, StartCode...)
		out = append(out, n...)
	}
	return out
}
