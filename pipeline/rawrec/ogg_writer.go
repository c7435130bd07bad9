package rawrec

import (
	"encoding/binary"
	"fmt"
	"github.com/roomcast/roomcast/pipeline/ogg"
	"io"
)

// Ogg page layout (RFC 3533 §6).
const (
	oggHeaderLen   = 27
	oggMaxSegments = 255
	oggBOS         = 0x02
	oggEOS         = 0x04
)

// oggWriter writes one logical Ogg bitstream, packets whole on pages
// (none spans two pages).
type oggWriter struct {
	w      io.Writer
	serial uint32
	seq    uint32

	lacing  []byte
	body    []byte
	packets int
	granule int64 // of the last packet added
}

// maxOggPacket is the largest packet that fits on one page.
const maxOggPacket = oggMaxSegments*255 - 1

// add queues a packet ending at granule on the current page, first
// writing the page out when the packet does not fit.
func (o *oggWriter) add(packet []byte, granule int64) error {
	if len(packet) > maxOggPacket {
		return fmt.Errorf("%w: ogg packet of %d bytes", errBadUnit, len(packet))
	}
	if len(o.lacing)+len(packet)/255+1 > oggMaxSegments {
		if err := o.flush(0); err != nil {
			return err
		}
	}
	for n := len(packet); ; n -= 255 {
		if n < 255 {
			o.lacing = append(o.lacing, byte(n))
			break
		}
		o.lacing = append(o.lacing, 255)
	}
	o.body = append(o.body, packet...)
	o.packets++
	o.granule = granule
	return nil
}

// flush writes the queued packets as one page with the given flags.
func (o *oggWriter) flush(flags byte) error {
	if o.packets == 0 && flags&oggEOS == 0 {
		return nil
	}
	page := make([]byte, oggHeaderLen, oggHeaderLen+len(o.lacing)+len(o.body))
	copy(page, "OggS")
	page[5] = flags
	binary.LittleEndian.PutUint64(page[6:], uint64(o.granule))
	binary.LittleEndian.PutUint32(page[14:], o.serial)
	binary.LittleEndian.PutUint32(page[18:], o.seq)
	page[26] = byte(len(o.lacing))
	page = append(append(page, o.lacing...), o.body...)
	binary.LittleEndian.PutUint32(page[ogg.CRCOffset:], ogg.CRC(page))
	o.seq++
	o.lacing, o.body, o.packets = o.lacing[:0], o.body[:0], 0
	if _, err := o.w.Write(page); err != nil {
		return fmt.Errorf("write ogg page: %w", err)
	}
	return nil
}
