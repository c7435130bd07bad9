package synth

import "fmt"

// oggPacketizer joins the segments of the pages of one logical Ogg stream
// into packets (RFC 3533 section 5): a packet is a run of 255-byte
// segments closed by a shorter one, and may continue on the next page.
type oggPacketizer struct {
	packets [][]byte
	partial []byte
	inside  bool // partial holds the start of an unfinished packet
}

// oggPackets returns the packets of the first logical stream in data,
// copied out of it. A packet left unfinished at the end is dropped.
func oggPackets(data []byte) ([][]byte, error) {
	var z oggPacketizer
	var serial uint32
	for off, n := 0, 0; off < len(data); n++ {
		page, size, err := parseOggPage(data[off:])
		if err != nil {
			return nil, fmt.Errorf("ogg page %d at byte %d: %w", n, off, err)
		}
		off += size
		if n == 0 {
			serial = page.serial
		}
		if page.serial == serial {
			z.add(page)
		}
	}
	return z.packets, nil
}

// add takes the segments of the next page.
func (z *oggPacketizer) add(p oggPage) {
	// Without its start, a continued packet is useless; skip its tail.
	skipping := p.continued() && !z.inside
	if !p.continued() {
		z.partial, z.inside = nil, false
	}
	pos := 0
	for _, s := range p.segments {
		seg := p.body[pos : pos+int(s)]
		pos += int(s)
		if !skipping {
			z.partial = append(z.partial, seg...)
			z.inside = true
		}
		if s < oggMaxSegment {
			if !skipping {
				z.packets = append(z.packets, z.partial)
			}
			z.partial, z.inside, skipping = nil, false, false
		}
	}
}
