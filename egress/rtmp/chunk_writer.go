package rtmp

import (
	"encoding/binary"
	"fmt"
)

// maxMessageLen is the largest payload the 24-bit length field can carry.
const maxMessageLen = 1<<24 - 1

// appendChunks appends m split into chunks of at most chunkSize payload
// bytes: a type-0 header on the first chunk and type-3 headers on the rest
// (RTMP spec 5.3.1). Always using type 0 costs ~11 bytes a message and keeps
// every message independent of what any other writer (gomedia) sent on the
// same connection. A timestamp of 0xFFFFFF or more goes in the extended
// timestamp field, repeated on type-3 chunks as librtmp, FFmpeg and
// nginx-rtmp expect.
func appendChunks(dst []byte, m message, chunkSize int) ([]byte, error) {
	if len(m.payload) > maxMessageLen {
		return dst, fmt.Errorf("rtmp message of %d bytes exceeds the 24-bit length field", len(m.payload))
	}
	ext := m.ts >= 0xFFFFFF
	dst = appendBasicHeader(dst, 0, m.csid)
	ts := min(m.ts, 0xFFFFFF)
	dst = append(dst, byte(ts>>16), byte(ts>>8), byte(ts))
	n := len(m.payload)
	dst = append(dst, byte(n>>16), byte(n>>8), byte(n), m.typ)
	dst = binary.LittleEndian.AppendUint32(dst, m.streamID)
	if ext {
		dst = binary.BigEndian.AppendUint32(dst, m.ts)
	}
	for p := m.payload; ; {
		k := min(len(p), chunkSize)
		dst, p = append(dst, p[:k]...), p[k:]
		if len(p) == 0 {
			return dst, nil
		}
		dst = appendBasicHeader(dst, 3, m.csid)
		if ext {
			dst = binary.BigEndian.AppendUint32(dst, m.ts)
		}
	}
}

// appendBasicHeader encodes the chunk basic header (RTMP spec 5.3.1.1).
func appendBasicHeader(dst []byte, fmtType byte, csid uint32) []byte {
	switch {
	case csid < 64:
		return append(dst, fmtType<<6|byte(csid))
	case csid < 320:
		return append(dst, fmtType<<6, byte(csid-64))
	default:
		v := csid - 64
		return append(dst, fmtType<<6|1, byte(v), byte(v>>8))
	}
}
