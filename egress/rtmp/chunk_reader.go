package rtmp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Bounds on what a server may make the reader buffer. A publisher only
// receives small control and command messages.
const (
	maxServerMessage  = 1 << 20
	maxServerBuffered = 4 << 20
	maxServerStreams  = 64
)

var errChunkProtocol = errors.New("rtmp chunk stream")

// chunkReader reassembles the server's chunk stream into messages (RTMP
// spec 5.3). It replaces gomedia's reader in front of the client: gomedia's
// loops forever on a zero chunk size or an empty message and panics on
// several malformed inputs, so only messages that passed here reach it.
type chunkReader struct {
	r         io.Reader
	chunkSize int
	streams   map[uint32]*inStream
	buffered  int
	hdr       [16]byte
}

// inStream is the header state of one chunk stream.
type inStream struct {
	ts, delta  uint32
	length     int
	typ        uint8
	streamID   uint32
	ext        bool // the last header used the extended timestamp
	payload    []byte
	haveHeader bool
}

func newChunkReader(r io.Reader) *chunkReader {
	return &chunkReader{r: r, chunkSize: 128, streams: make(map[uint32]*inStream)}
}

// setChunkSize applies a Set Chunk Size message (RTMP spec 5.4.1).
func (c *chunkReader) setChunkSize(payload []byte) error {
	if len(payload) < 4 {
		return fmt.Errorf("%w: short set chunk size", errChunkProtocol)
	}
	n := binary.BigEndian.Uint32(payload) & 0x7fffffff
	if n < 1 || n > maxMessageLen {
		return fmt.Errorf("%w: invalid chunk size %d", errChunkProtocol, n)
	}
	c.chunkSize = int(n)
	return nil
}

// abort drops the partial message of a chunk stream (RTMP spec 5.4.2).
func (c *chunkReader) abort(payload []byte) {
	if len(payload) < 4 {
		return
	}
	if st := c.streams[binary.BigEndian.Uint32(payload)]; st != nil {
		c.buffered -= len(st.payload)
		st.payload = nil
	}
}

// next reads chunks until one message is complete.
func (c *chunkReader) next() (message, error) {
	for {
		m, done, err := c.readChunk()
		if err != nil || done {
			return m, err
		}
	}
}

func (c *chunkReader) readChunk() (message, bool, error) {
	fmtType, csid, err := c.readBasicHeader()
	if err != nil {
		return message{}, false, err
	}
	st, err := c.stream(csid)
	if err != nil {
		return message{}, false, err
	}
	if err := c.readMessageHeader(st, fmtType); err != nil {
		return message{}, false, err
	}
	k := min(c.chunkSize, st.length-len(st.payload))
	if c.buffered+k > maxServerBuffered {
		return message{}, false, fmt.Errorf("%w: server data buffered beyond %d bytes", errChunkProtocol, maxServerBuffered)
	}
	start := len(st.payload)
	st.payload = append(st.payload, make([]byte, k)...)
	if _, err := io.ReadFull(c.r, st.payload[start:]); err != nil {
		return message{}, false, err
	}
	c.buffered += k
	if len(st.payload) < st.length {
		return message{}, false, nil
	}
	m := message{csid: csid, typ: st.typ, streamID: st.streamID, ts: st.ts, payload: st.payload}
	c.buffered -= len(st.payload)
	st.payload = nil
	return m, true, nil
}

func (c *chunkReader) stream(csid uint32) (*inStream, error) {
	st := c.streams[csid]
	if st == nil {
		if len(c.streams) >= maxServerStreams {
			return nil, fmt.Errorf("%w: more than %d chunk streams", errChunkProtocol, maxServerStreams)
		}
		st = &inStream{}
		c.streams[csid] = st
	}
	return st, nil
}

// readBasicHeader reads the chunk basic header (RTMP spec 5.3.1.1).
func (c *chunkReader) readBasicHeader() (byte, uint32, error) {
	b := c.hdr[:1]
	if _, err := io.ReadFull(c.r, b); err != nil {
		return 0, 0, err
	}
	fmtType, csid := b[0]>>6, uint32(b[0]&0x3f)
	switch csid {
	case 0:
		if _, err := io.ReadFull(c.r, b); err != nil {
			return 0, 0, err
		}
		csid = uint32(b[0]) + 64
	case 1:
		b = c.hdr[:2]
		if _, err := io.ReadFull(c.r, b); err != nil {
			return 0, 0, err
		}
		csid = uint32(b[1])<<8 + uint32(b[0]) + 64
	}
	return fmtType, csid, nil
}

// readMessageHeader reads the chunk message header of the given type and
// any extended timestamp (RTMP spec 5.3.1.2 and 5.3.1.3).
func (c *chunkReader) readMessageHeader(st *inStream, fmtType byte) error {
	starting := len(st.payload) == 0
	if !starting && fmtType != 3 {
		return fmt.Errorf("%w: type-%d header inside a message", errChunkProtocol, fmtType)
	}
	if fmtType != 0 && !st.haveHeader {
		return fmt.Errorf("%w: type-%d header without a previous type-0 header", errChunkProtocol, fmtType)
	}
	size := [4]int{11, 7, 3, 0}[fmtType]
	h := c.hdr[:size]
	if _, err := io.ReadFull(c.r, h); err != nil {
		return err
	}
	var field uint32
	if fmtType < 3 {
		field = uint32(h[0])<<16 | uint32(h[1])<<8 | uint32(h[2])
		st.ext = field == 0xFFFFFF
	}
	if fmtType < 2 {
		st.length = int(h[3])<<16 | int(h[4])<<8 | int(h[5])
		st.typ = h[6]
		if st.length > maxServerMessage {
			return fmt.Errorf("%w: server message of %d bytes", errChunkProtocol, st.length)
		}
	}
	if fmtType == 0 {
		st.streamID = binary.LittleEndian.Uint32(h[7:11])
		st.haveHeader = true
	}
	if st.ext {
		e := c.hdr[:4]
		if _, err := io.ReadFull(c.r, e); err != nil {
			return err
		}
		if fmtType < 3 {
			field = binary.BigEndian.Uint32(e)
		}
	}
	if starting {
		switch fmtType {
		case 0:
			st.ts = field
		case 1, 2:
			st.delta = field
			st.ts += field
		case 3:
			st.ts += st.delta
		}
	}
	return nil
}
