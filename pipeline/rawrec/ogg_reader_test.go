package rawrec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/roomcast/roomcast/pipeline/ogg"
)

// oggPage is one page as read back in tests.
type oggTestPage struct {
	flags   byte
	granule int64
	serial  uint32
	seq     uint32
}

// oggPackets returns the packets of a single-stream Ogg file, checking
// each page's capture pattern and CRC.
func oggPackets(b []byte) ([][]byte, error) {
	pkts, _, err := readOgg(b)
	return pkts, err
}

// readOgg returns the packets and pages of a single-stream Ogg file.
func readOgg(b []byte) ([][]byte, []oggTestPage, error) {
	var pkts [][]byte
	var pages []oggTestPage
	var cur []byte
	for len(b) > 0 {
		if len(b) < oggHeaderLen || string(b[:4]) != "OggS" {
			return nil, nil, errors.New("bad ogg page header")
		}
		nseg := int(b[26])
		if len(b) < oggHeaderLen+nseg {
			return nil, nil, errors.New("short segment table")
		}
		lacing := b[oggHeaderLen : oggHeaderLen+nseg]
		size := oggHeaderLen + nseg
		for _, l := range lacing {
			size += int(l)
		}
		if len(b) < size {
			return nil, nil, errors.New("short page")
		}
		page := append([]byte(nil), b[:size]...)
		want := binary.LittleEndian.Uint32(page[ogg.CRCOffset:])
		clear(page[ogg.CRCOffset : ogg.CRCOffset+4])
		if got := ogg.CRC(page); got != want {
			return nil, nil, fmt.Errorf("page crc %08x, want %08x", got, want)
		}
		pages = append(pages, oggTestPage{flags: b[5], granule: int64(binary.LittleEndian.Uint64(b[6:])),
			serial: binary.LittleEndian.Uint32(b[14:]), seq: binary.LittleEndian.Uint32(b[18:])})
		body := b[oggHeaderLen+nseg : size]
		for _, l := range lacing {
			cur = append(cur, body[:l]...)
			body = body[l:]
			if l < 255 {
				pkts = append(pkts, cur)
				cur = nil
			}
		}
		b = b[size:]
	}
	return pkts, pages, nil
}
