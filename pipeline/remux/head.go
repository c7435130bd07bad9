package remux

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// head is the raw boxes of a segment up to its mdat header.
type head struct {
	moof      []byte // moof payload
	moofStart int64
	mdatStart int64
	mdatSize  int64
}

// readHead reads boxes from r until the mdat header and keeps the moof.
// It never reads past the mdat header.
func readHead(r io.Reader) (head, error) {
	var h head
	var pos int64
	for {
		typ, size, hdr, err := readBoxHeader(r)
		if err != nil {
			return h, err
		}
		if typ == "mdat" {
			if h.moof == nil {
				return h, fmt.Errorf("mdat before moof: %w", ErrMalformed)
			}
			if size == 0 {
				return h, fmt.Errorf("mdat without a size: %w", ErrUnsupported)
			}
			h.mdatStart, h.mdatSize = pos+hdr, size-hdr
			return h, nil
		}
		if size == 0 || size-hdr > maxHead-pos {
			return h, fmt.Errorf("%q of %d bytes before mdat: %w", typ, size, ErrMalformed)
		}
		payload, err := readN(r, size-hdr)
		if err != nil {
			return h, fmt.Errorf("%q: %w", typ, err)
		}
		if typ == "moof" {
			if h.moof != nil {
				return h, fmt.Errorf("second moof before mdat: %w", ErrUnsupported)
			}
			h.moof, h.moofStart = payload, pos
		}
		pos += size
	}
}

// readBoxHeader reads a box header from a stream; size 0 is returned as
// is (box to the end of the stream).
func readBoxHeader(r io.Reader) (typ string, size, hdr int64, err error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:8]); err != nil {
		return "", 0, 0, fmt.Errorf("box header: %w", noEOF(err))
	}
	typ, size, hdr = string(b[4:8]), int64(binary.BigEndian.Uint32(b[:])), 8
	if size == 1 {
		if _, err := io.ReadFull(r, b[8:16]); err != nil {
			return "", 0, 0, fmt.Errorf("%q largesize: %w", typ, noEOF(err))
		}
		u := binary.BigEndian.Uint64(b[8:])
		if u > 1<<62 {
			return "", 0, 0, fmt.Errorf("%q: size %d: %w", typ, u, ErrMalformed)
		}
		size, hdr = int64(u), 16
	}
	if size != 0 && size < hdr {
		return "", 0, 0, fmt.Errorf("%q: size %d: %w", typ, size, ErrMalformed)
	}
	return typ, size, hdr, nil
}

// readN reads exactly n bytes, growing the buffer only as data arrives so
// a lying size cannot force a large allocation.
func readN(r io.Reader, n int64) ([]byte, error) {
	var buf bytes.Buffer
	got, err := io.Copy(&buf, io.LimitReader(r, n))
	if err != nil {
		return nil, err
	}
	if got != n {
		return nil, fmt.Errorf("%d of %d bytes: %w", got, n, ErrMalformed)
	}
	return buf.Bytes(), nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated before mdat: %w", ErrMalformed)
	}
	return err
}
