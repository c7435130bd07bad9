package remux

import (
	"encoding/binary"
	"fmt"
)

// box is one ISO BMFF box (ISO/IEC 14496-12 §4.2) inside a byte slice.
type box struct {
	typ     string
	payload []byte
	size    int // header and payload
}

// nextBox parses the box at the start of b. A size of 0 means "to the end
// of the parent"; a size of 1 means a 64-bit largesize follows the type.
// Sizes below the header or beyond b are rejected.
func nextBox(b []byte) (box, error) {
	if len(b) < 8 {
		return box{}, fmt.Errorf("box header of %d bytes: %w", len(b), ErrMalformed)
	}
	size := uint64(binary.BigEndian.Uint32(b))
	typ := string(b[4:8])
	hdr := uint64(8)
	switch size {
	case 0:
		size = uint64(len(b))
	case 1:
		if len(b) < 16 {
			return box{}, fmt.Errorf("%q: truncated largesize: %w", typ, ErrMalformed)
		}
		size, hdr = binary.BigEndian.Uint64(b[8:]), 16
	}
	if size < hdr {
		return box{}, fmt.Errorf("%q: size %d below its header: %w", typ, size, ErrMalformed)
	}
	if size > uint64(len(b)) {
		return box{}, fmt.Errorf("%q: size %d outside its parent of %d bytes: %w", typ, size, len(b), ErrMalformed)
	}
	return box{typ: typ, payload: b[hdr:size], size: int(size)}, nil
}

// children splits b into consecutive boxes.
func children(b []byte) ([]box, error) {
	var out []box
	for len(b) > 0 {
		bx, err := nextBox(b)
		if err != nil {
			return nil, err
		}
		out = append(out, bx)
		b = b[bx.size:]
	}
	return out, nil
}

// child returns the first child box of type typ, or false.
func child(b []byte, typ string) (box, bool, error) {
	boxes, err := children(b)
	if err != nil {
		return box{}, false, err
	}
	for _, bx := range boxes {
		if bx.typ == typ {
			return bx, true, nil
		}
	}
	return box{}, false, nil
}

// path walks nested boxes by type and fails when one is missing.
func path(b []byte, types ...string) (box, error) {
	cur := box{payload: b}
	for _, typ := range types {
		next, ok, err := child(cur.payload, typ)
		if err != nil {
			return box{}, err
		}
		if !ok {
			return box{}, fmt.Errorf("no %q box: %w", typ, ErrMalformed)
		}
		cur = next
	}
	return cur, nil
}

// cursor reads big-endian fields from a payload; the first read past the
// end sets err and every later read returns zero.
type cursor struct {
	b   []byte
	err error
	in  string // box type, for errors
}

func (c *cursor) take(n int) []byte {
	if c.err != nil {
		return nil
	}
	if n < 0 || n > len(c.b) {
		c.err = fmt.Errorf("%q: truncated: %w", c.in, ErrMalformed)
		return nil
	}
	v := c.b[:n]
	c.b = c.b[n:]
	return v
}

func (c *cursor) u8() uint8 {
	if v := c.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (c *cursor) u16() uint16 {
	if v := c.take(2); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (c *cursor) u32() uint32 {
	if v := c.take(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (c *cursor) u64() uint64 {
	if v := c.take(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// versioned reads a 32- or 64-bit field depending on a FullBox version.
func (c *cursor) versioned(version uint8) uint64 {
	if version == 1 {
		return c.u64()
	}
	return uint64(c.u32())
}

// full reads a FullBox's version and flags.
func (c *cursor) full() (uint8, uint32) {
	v := c.u32()
	return uint8(v >> 24), v & 0xFFFFFF
}
