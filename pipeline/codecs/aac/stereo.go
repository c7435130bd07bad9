package aac

import (
	"errors"
	"fmt"

	"github.com/roomcast/roomcast/pipeline/codecs/bits"
)

// ErrUnsupported reports a raw_data_block that MonoToStereo cannot turn
// into a stereo one: not a single channel element of AAC-LC as FFmpeg's
// encoder writes it.
var ErrUnsupported = errors.New("unsupported aac frame")

// Syntactic element ids (id_syn_ele, ISO/IEC 14496-3 table 4.85).
const (
	idSCE = 0
	idCPE = 1
	idFIL = 6
	idEND = 7
)

// eightShortSequence is the window_sequence of eight short windows.
const eightShortSequence = 2

// Largest max_sfb over the sampling rates AAC-LC defines: 51 long
// (32 kHz), 15 short (8 kHz).
const (
	maxSfbLong  = 51
	maxSfbShort = 15
)

// icsInfo is what MonoToStereo reads of an ics_info.
type icsInfo struct {
	start, end int // bit positions of the ics_info in the frame
	short      bool
	maxSfb     int
	groups     int // num_window_groups
}

// MonoToStereo turns a raw_data_block of one single channel element
// (mono AAC-LC, as FFmpeg's encoder writes it: optional fill elements, the
// SCE, then END) into one channel pair element whose channels decode to
// the same samples, appended to dst.
//
// The pair has a common window and mid/side on in every band: the mono
// channel is sent as mid, bit for bit, and side is all zero (every band
// ZERO_HCB, a few bits). So l = m + s = m and r = m - s = m; the stereo
// frame costs the mono frame's bits plus about 3 bytes, and its encoding
// costs no spectral work at all.
//
// Stereo decoding applies TNS to each of l and r with that channel's own
// filter and skips mid/side in noise (PNS) bands, so the mono frame must
// use neither TNS nor PNS: it is then exact. Fill elements are dropped.
// Anything else is ErrUnsupported; it never panics.
func MonoToStereo(dst, frame []byte) ([]byte, error) {
	r := bits.NewReader(frame, 0)
	if err := skipFills(r); err != nil {
		return dst, err
	}
	tag := r.Bits(4)
	icsStart := r.Pos()
	globalGain := r.Bits(8)
	info, err := readICSInfo(r)
	if err != nil {
		return dst, err
	}
	icsEnd, err := endOfLastElement(frame)
	if err != nil {
		return dst, err
	}
	if icsEnd < info.end {
		return dst, fmt.Errorf("%w: the channel element ends at bit %d, inside its ics_info", ErrUnsupported, icsEnd)
	}
	w := bits.NewWriter(dst)
	w.Bits(idCPE, 3)
	w.Bits(tag, 4)
	w.Bits(1, 1) // common_window
	w.CopyBits(frame, info.start, info.end)
	w.Bits(2, 2) // ms_mask_present: mid/side in every band
	// Mid: the mono channel stream, less the ics_info now shared.
	w.CopyBits(frame, icsStart, icsStart+8)
	w.CopyBits(frame, info.end, icsEnd)
	writeSilentICS(w, globalGain, info)
	w.Bits(idEND, 3)
	return w.Bytes(), nil
}

// skipFills reads element ids until the SCE, skipping fill elements.
func skipFills(r *bits.Reader) error {
	for {
		switch id := r.Bits(3); {
		case r.Err() != nil:
			return fmt.Errorf("%w: %w", ErrUnsupported, r.Err())
		case id == idSCE:
			return nil
		case id == idFIL:
			n := int(r.Bits(4))
			if n == 15 {
				n += int(r.Bits(8)) - 1
			}
			if r.Skip(8 * n); r.Err() != nil {
				return fmt.Errorf("%w: fill element of %d bytes past the end", ErrUnsupported, n)
			}
		default:
			return fmt.Errorf("%w: element %d, want a single channel element", ErrUnsupported, id)
		}
	}
}

// readICSInfo reads an ics_info (table 4.6) of AAC-LC.
func readICSInfo(r *bits.Reader) (icsInfo, error) {
	info := icsInfo{start: r.Pos(), groups: 1}
	r.Bits(1) // ics_reserved_bit
	info.short = r.Bits(2) == eightShortSequence
	r.Bits(1) // window_shape
	if info.short {
		info.maxSfb = int(r.Bits(4))
		grouping := r.Bits(7)
		for i := range 7 {
			if grouping>>i&1 == 0 {
				info.groups++
			}
		}
	} else {
		info.maxSfb = int(r.Bits(6))
		if r.Bits(1) == 1 {
			return info, fmt.Errorf("%w: predictor data (not AAC-LC)", ErrUnsupported)
		}
	}
	info.end = r.Pos()
	switch {
	case r.Err() != nil:
		return info, fmt.Errorf("%w: ics_info: %w", ErrUnsupported, r.Err())
	case info.short && info.maxSfb > maxSfbShort, !info.short && info.maxSfb > maxSfbLong:
		return info, fmt.Errorf("%w: max_sfb %d", ErrUnsupported, info.maxSfb)
	}
	return info, nil
}

// endOfLastElement is the bit position where the END id starts: the
// block ends with END (111) and at most 7 zero bits of byte alignment,
// so END's last bit is the last bit set.
func endOfLastElement(frame []byte) (int, error) {
	if len(frame) == 0 {
		return 0, fmt.Errorf("%w: empty frame", ErrUnsupported)
	}
	last := frame[len(frame)-1]
	if last == 0 {
		return 0, fmt.Errorf("%w: no END element in the last byte", ErrUnsupported)
	}
	pos := len(frame)*8 - 1
	for ; last&1 == 0; last >>= 1 {
		pos--
	}
	r := bits.NewReader(frame, pos-2)
	if pos < 2 || r.Bits(3) != idEND {
		return 0, fmt.Errorf("%w: the block does not end with END", ErrUnsupported)
	}
	return pos - 2, nil
}

// writeSilentICS writes an individual_channel_stream under a common
// window whose every band is ZERO_HCB: section data only, no scale
// factors, pulse, TNS, gain control or spectral data.
func writeSilentICS(w *bits.Writer, globalGain uint32, info icsInfo) {
	w.Bits(globalGain, 8)
	lenBits, esc := 5, 31
	if info.short {
		lenBits, esc = 3, 7
	}
	for range info.groups {
		if info.maxSfb == 0 {
			continue
		}
		w.Bits(0, 4) // sect_cb: ZERO_HCB
		n := info.maxSfb
		for ; n >= esc; n -= esc {
			w.Bits(uint32(esc), lenBits)
		}
		w.Bits(uint32(n), lenBits)
	}
	w.Bits(0, 1) // pulse_data_present
	w.Bits(0, 1) // tns_data_present
	w.Bits(0, 1) // gain_control_data_present
}

// ChannelConfig is the channelConfiguration of an AudioSpecificConfig
// (table 1.15) with a 5-bit object type and a sampling frequency index
// other than 15 (an explicit rate), as AAC-LC encoders write it.
func ChannelConfig(asc []byte) (int, error) {
	if err := checkASC(asc); err != nil {
		return 0, err
	}
	return int(asc[1] >> 3 & 0xf), nil
}

func checkASC(asc []byte) error {
	switch {
	case len(asc) < 2:
		return fmt.Errorf("aac: AudioSpecificConfig of %d bytes", len(asc))
	case asc[0]>>3 == 31:
		return fmt.Errorf("aac: escaped audio object type")
	case (asc[0]&7)<<1|asc[1]>>7 == 15:
		return fmt.Errorf("aac: explicit sampling frequency")
	}
	return nil
}
