package rtmp

import (
	"encoding/binary"
	"fmt"
)

// maxMessageLen is the largest payload the 24-bit length field can carry.
const maxMessageLen = 1<<24 - 1

// maxPlainTS is the largest timestamp the 24-bit field holds; from it on,
// the extended timestamp field carries it.
const maxPlainTS = 0xFFFFFF

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
	dst = appendType0(dst, m, len(m.payload))
	return appendChunkBody(dst, m.payload, m.csid, m.ts, chunkSize), nil
}

// appendType0 appends the type-0 chunk header of m, whose payload is n
// bytes long: basic header, timestamp, length, type, stream ID and, from
// 0xFFFFFF on, the extended timestamp (RTMP spec 5.3.1.2.1, 5.3.1.3).
func appendType0(dst []byte, m message, n int) []byte {
	dst = appendBasicHeader(dst, 0, m.csid)
	ts := min(m.ts, maxPlainTS)
	dst = append(dst, byte(ts>>16), byte(ts>>8), byte(ts))
	dst = append(dst, byte(n>>16), byte(n>>8), byte(n), m.typ)
	dst = binary.LittleEndian.AppendUint32(dst, m.streamID)
	if m.ts >= maxPlainTS {
		dst = binary.BigEndian.AppendUint32(dst, m.ts)
	}
	return dst
}

// appendChunkBody appends what follows a message's type-0 header: the
// payload cut into chunks of chunkSize, each after the first behind a
// type-3 header (with the extended timestamp when ts needs it). Below
// 0xFFFFFF these bytes do not depend on ts, so one copy serves every
// connection that writes with chunkSize.
func appendChunkBody(dst, payload []byte, csid, ts uint32, chunkSize int) []byte {
	for p := payload; ; {
		k := min(len(p), chunkSize)
		dst, p = append(dst, p[:k]...), p[k:]
		if len(p) == 0 {
			return dst
		}
		dst = appendBasicHeader(dst, 3, csid)
		if ts >= maxPlainTS {
			dst = binary.BigEndian.AppendUint32(dst, ts)
		}
	}
}

// chunkAppender appends a message payload given in pieces, cut into
// chunks exactly as appendChunkBody cuts it whole (below an extended
// timestamp): a type-3 header before each chunk after the first.
type chunkAppender struct {
	dst  []byte
	csid uint32
	size int // the chunk size
	room int // payload bytes the current chunk still takes; start at size
}

func (a *chunkAppender) write(p []byte) {
	for len(p) > 0 {
		if a.room == 0 {
			a.dst = appendBasicHeader(a.dst, 3, a.csid)
			a.room = a.size
		}
		k := min(len(p), a.room)
		a.dst, p, a.room = append(a.dst, p[:k]...), p[k:], a.room-k
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

// basicHeaderLen is the length of csid's chunk basic header.
func basicHeaderLen(csid uint32) int {
	switch {
	case csid < 64:
		return 1
	case csid < 320:
		return 2
	}
	return 3
}
