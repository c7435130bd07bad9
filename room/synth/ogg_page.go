package synth

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/roomcast/roomcast/pipeline/ogg"
)

// Ogg page layout (RFC 3533 section 6).
const (
	oggHeaderLen    = 27
	oggContinued    = 0x01
	oggMaxSegment   = 255
	oggSegmentCount = 26
)

var errOggCapture = errors.New("missing OggS capture pattern")

// oggPage is one parsed Ogg page.
type oggPage struct {
	headerType byte
	serial     uint32
	segments   []byte // the lacing values
	body       []byte
}

func (p oggPage) continued() bool { return p.headerType&oggContinued != 0 }

// parseOggPage parses the page at the start of b and returns its length.
func parseOggPage(b []byte) (oggPage, int, error) {
	if len(b) < oggHeaderLen {
		return oggPage{}, 0, fmt.Errorf("short page header: %d bytes", len(b))
	}
	if string(b[:4]) != "OggS" {
		return oggPage{}, 0, errOggCapture
	}
	if b[4] != 0 {
		return oggPage{}, 0, fmt.Errorf("unknown Ogg version %d", b[4])
	}
	nseg := int(b[oggSegmentCount])
	if len(b) < oggHeaderLen+nseg {
		return oggPage{}, 0, errors.New("short segment table")
	}
	segments := b[oggHeaderLen : oggHeaderLen+nseg]
	size := oggHeaderLen + nseg
	for _, s := range segments {
		size += int(s)
	}
	if len(b) < size {
		return oggPage{}, 0, fmt.Errorf("short page body: want %d bytes, have %d", size, len(b))
	}
	if got, want := ogg.CRC(b[:size]), binary.LittleEndian.Uint32(b[ogg.CRCOffset:]); got != want {
		return oggPage{}, 0, fmt.Errorf("page checksum %08x, want %08x", got, want)
	}
	return oggPage{
		headerType: b[5],
		serial:     binary.LittleEndian.Uint32(b[14:]),
		segments:   segments,
		body:       b[oggHeaderLen+nseg : size],
	}, size, nil
}
