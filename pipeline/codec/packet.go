package codec

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/asticode/go-astiav"
)

// inputPadding is AV_INPUT_BUFFER_PADDING_SIZE: decoders' bitstream readers
// may read this far past the end of a packet, so it must exist and be zero.
const inputPadding = 64

// packetFiller copies unit payloads into a reused AVPacket.
type packetFiller struct {
	scratch []byte // payload + zeroed padding, reused
}

// fill makes p carry a copy of data with zeroed padding behind it and the
// given timestamps, in nanoseconds. astiav's Packet.FromData allocates no
// padding, so the padding is copied in and then cut from the size.
func (pf *packetFiller) fill(p *astiav.Packet, data []byte, pts, dts time.Duration) error {
	p.Unref()
	n := len(data) + inputPadding
	if cap(pf.scratch) < n {
		pf.scratch = make([]byte, n)
	}
	b := pf.scratch[:n]
	copy(b, data)
	clear(b[len(data):])
	if err := p.FromData(b); err != nil {
		return err
	}
	p.SetSize(len(data))
	p.SetPts(int64(pts))
	p.SetDts(int64(dts))
	return nil
}

// isAgain reports whether err is EAGAIN: feed or drain before retrying.
func isAgain(err error) bool { return errors.Is(err, astiav.ErrEagain) }

// isEOF reports whether err is AVERROR_EOF: the codec is fully drained.
func isEOF(err error) bool { return errors.Is(err, astiav.ErrEof) }

// errNoMemory is AVERROR(ENOMEM).
var errNoMemory = astiav.Error(-int(syscall.ENOMEM))

// decodeError wraps an error of SendPacket or ReceiveFrame. Once a decoder
// is open, what it refuses is the data (AVERROR_INVALIDDATA mostly, but
// also EINVAL, AVERROR_PATCHWELCOME…), so everything but a failed
// allocation is ErrCorruptInput.
func decodeError(what string, err error) error {
	if errors.Is(err, errNoMemory) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w: %w", what, ErrCorruptInput, err)
}
