package rtmp

import (
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/yapingcat/gomedia/go-flv"
)

// DefaultSharedUnits is the number of units a SharedChunks keeps when
// NewSharedChunks is given no positive size: about 1.7 s of 30 fps video
// with its audio, far more than live outputs are apart, while what it
// holds (the units and their chunks) stays a few MB at 8 Mbit/s. An
// output further behind encodes its units again.
const DefaultSharedUnits = 128

// maxSharedBytes bounds what a SharedChunks holds (the units it keeps
// alive and their chunks) whatever the units' sizes: 128 units of 5 MB
// keyframes would otherwise hold over a GB. 1.7 s at 8 Mbit/s is under
// 4 MB.
const maxSharedBytes = 32 << 20

// SharedChunks serialises each unit's FLV tag into RTMP chunks once for
// all the outputs of a job, the way nginx-rtmp shares one chain of buffers
// between its subscribers. Every output writes with outChunkSize, and the
// bytes after a message's type-0 header depend only on the payload and
// the chunk size while the timestamp stays below 0xFFFFFF (RTMP spec
// 5.3.1), so the outputs hand the same immutable bytes to the kernel and
// each writes only its own 12-byte header (its stream ID, its timestamp).
// A connection that needs other bytes (another chunk size, an extended
// timestamp) rebuilds the payload from them and serialises it itself.
//
// It keeps the last units it encoded, oldest out first; a unit that fell
// out is encoded again, to the same bytes. Safe for concurrent use.
type SharedChunks struct {
	chunkSize int
	encodes   atomic.Uint64 // units encoded, for tests

	mu       sync.Mutex
	units    map[*media.Unit]*sharedUnit
	order    []*media.Unit // a ring of the keys, in the order they came
	next     int
	bytes    int // held by the encoded units kept
	maxBytes int
}

// NewSharedChunks returns a SharedChunks that keeps size units
// (DefaultSharedUnits if not positive).
func NewSharedChunks(size int) *SharedChunks {
	if size <= 0 {
		size = DefaultSharedUnits
	}
	return &SharedChunks{
		chunkSize: outChunkSize,
		units:     make(map[*media.Unit]*sharedUnit, size),
		order:     make([]*media.Unit, size),
		maxBytes:  maxSharedBytes,
	}
}

// sharedUnit is one unit's RTMP message, serialised once.
type sharedUnit struct {
	once sync.Once

	typ       uint8
	csid      uint32
	chunkSize int
	n         int    // payload length
	body      []byte // the payload in chunks: see appendChunkBody (ts below 0xFFFFFF)
	cts       int32  // video: PTS − DTS in ms, as the tag carries it
	// config is the codec configuration the unit's sequence header
	// carries: a keyframe's AVCDecoderConfigurationRecord, AAC's
	// AudioSpecificConfig.
	config []byte
	err    error // why the unit cannot be sent

	size    int  // the bytes it holds: the unit's data and its chunks
	counted bool // size is in SharedChunks.bytes (under its mu)
}

// get returns u's message, encoding it on first use.
func (c *SharedChunks) get(u *media.Unit) *sharedUnit {
	c.mu.Lock()
	e, ok := c.units[u]
	if !ok {
		e = &sharedUnit{}
		c.keep(u, e)
	}
	c.mu.Unlock()
	e.once.Do(func() {
		c.encodes.Add(1)
		e.encode(u, c.chunkSize)
		c.count(u, e)
	})
	return e
}

// keep adds e, dropping the oldest unit when full.
func (c *SharedChunks) keep(u *media.Unit, e *sharedUnit) {
	c.drop(c.next)
	c.order[c.next] = u
	c.units[u] = e
	c.next = (c.next + 1) % len(c.order)
}

// count adds what e, just encoded, holds, and drops the oldest units
// while the kept ones hold more than maxBytes.
func (c *SharedChunks) count(u *media.Unit, e *sharedUnit) {
	e.size = len(u.Data) + cap(e.body) + len(e.config)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.units[u] != e {
		return // dropped while it was encoded
	}
	e.counted = true
	c.bytes += e.size
	for i := 0; i < len(c.order) && c.bytes > c.maxBytes; i++ {
		c.drop((c.next + i) % len(c.order))
	}
}

// drop forgets the unit in slot i of the ring, if any.
func (c *SharedChunks) drop(i int) {
	old := c.order[i]
	if old == nil {
		return
	}
	if e := c.units[old]; e != nil && e.counted {
		c.bytes -= e.size
	}
	delete(c.units, old)
	c.order[i] = nil
}

// errNoTrack marks a unit that cannot be muxed.
var errNoTrack = errors.New("unit without a track")

// encode builds the FLV tag body of u (FLV spec v10.1, E.4.2, E.4.3) and
// its chunks, straight into the one buffer it keeps: a frame's NAL units
// go from the unit's Annex-B data into the chunks with their 4-byte
// lengths (ISO/IEC 14496-15), with no copy of the payload in between.
func (e *sharedUnit) encode(u *media.Unit, chunkSize int) {
	e.chunkSize = chunkSize
	var header []byte
	var parts [][]byte
	lengths := false // each part goes behind its 4-byte length
	switch {
	case u.Track == nil:
		e.err = errNoTrack
		return
	case u.Track.Codec == media.CodecH264:
		nalus, sps, pps := avcNALUs(u.Data)
		if u.Key {
			if e.config, e.err = avcConfig(u.Track, sps, pps); e.err != nil {
				return
			}
		}
		e.cts = int32(max((u.PTS - u.DTS).Milliseconds(), 0))
		e.typ, e.csid = msgVideo, csidVideo
		header, parts, lengths = flv.WriteVideoTag(nil, u.Key, flv.FLV_AVC, e.cts, false), nalus, true
	case u.Track.Codec == media.CodecAAC:
		e.config = aacConfig(u.Track)
		e.typ, e.csid = msgAudio, csidAudio
		header, parts = flv.WriteAudioTag(nil, flv.FLV_AAC, 0, 0, false), [][]byte{u.Data}
	default:
		e.err = errors.New("unsupported codec " + string(u.Track.Codec))
		return
	}
	n := len(header)
	for _, p := range parts {
		if n += len(p); lengths {
			n += 4
		}
	}
	if n > maxMessageLen {
		e.err = errors.New("unit exceeds the 24-bit RTMP message length")
		return
	}
	e.n = n
	a := chunkAppender{dst: make([]byte, 0, n+(n/chunkSize+1)*basicHeaderLen(e.csid)), csid: e.csid, size: chunkSize, room: chunkSize}
	a.write(header)
	var l [4]byte
	for _, p := range parts {
		if lengths {
			binary.BigEndian.PutUint32(l[:], uint32(len(p)))
			a.write(l[:])
		}
		a.write(p)
	}
	e.body = a.dst
}

// appendPayload appends the message payload, taken back out of the
// chunks, for a connection that serialises it itself.
func (e *sharedUnit) appendPayload(dst []byte) []byte {
	skip := basicHeaderLen(e.csid)
	for p, left := e.body, e.n; left > 0; {
		k := min(left, e.chunkSize)
		dst, p, left = append(dst, p[:k]...), p[k:], left-k
		if left > 0 {
			p = p[skip:]
		}
	}
	return dst
}
