package aac

import (
	"errors"
	"fmt"
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
	r := &bitReader{b: frame}
	if err := skipFills(r); err != nil {
		return dst, err
	}
	tag := r.bits(4)
	icsStart := r.pos
	globalGain := r.bits(8)
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
	w := &bitWriter{b: dst, n: len(dst) * 8}
	w.bits(idCPE, 3)
	w.bits(tag, 4)
	w.bits(1, 1) // common_window
	w.copyBits(frame, info.start, info.end)
	w.bits(2, 2) // ms_mask_present: mid/side in every band
	// Mid: the mono channel stream, less the ics_info now shared.
	w.copyBits(frame, icsStart, icsStart+8)
	w.copyBits(frame, info.end, icsEnd)
	writeSilentICS(w, globalGain, info)
	w.bits(idEND, 3)
	return w.b, nil
}

// skipFills reads element ids until the SCE, skipping fill elements.
func skipFills(r *bitReader) error {
	for {
		switch id := r.bits(3); {
		case r.err != nil:
			return fmt.Errorf("%w: %w", ErrUnsupported, r.err)
		case id == idSCE:
			return nil
		case id == idFIL:
			n := int(r.bits(4))
			if n == 15 {
				n += int(r.bits(8)) - 1
			}
			r.pos += 8 * n
			if r.pos > len(r.b)*8 {
				return fmt.Errorf("%w: fill element of %d bytes past the end", ErrUnsupported, n)
			}
		default:
			return fmt.Errorf("%w: element %d, want a single channel element", ErrUnsupported, id)
		}
	}
}

// readICSInfo reads an ics_info (table 4.6) of AAC-LC.
func readICSInfo(r *bitReader) (icsInfo, error) {
	info := icsInfo{start: r.pos, groups: 1}
	r.bits(1) // ics_reserved_bit
	info.short = r.bits(2) == eightShortSequence
	r.bits(1) // window_shape
	if info.short {
		info.maxSfb = int(r.bits(4))
		grouping := r.bits(7)
		for i := range 7 {
			if grouping>>i&1 == 0 {
				info.groups++
			}
		}
	} else {
		info.maxSfb = int(r.bits(6))
		if r.bits(1) == 1 {
			return info, fmt.Errorf("%w: predictor data (not AAC-LC)", ErrUnsupported)
		}
	}
	info.end = r.pos
	switch {
	case r.err != nil:
		return info, fmt.Errorf("%w: ics_info: %w", ErrUnsupported, r.err)
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
	r := &bitReader{b: frame, pos: pos - 2}
	if pos < 2 || r.bits(3) != idEND {
		return 0, fmt.Errorf("%w: the block does not end with END", ErrUnsupported)
	}
	return pos - 2, nil
}

// writeSilentICS writes an individual_channel_stream under a common
// window whose every band is ZERO_HCB: section data only, no scale
// factors, pulse, TNS, gain control or spectral data.
func writeSilentICS(w *bitWriter, globalGain uint32, info icsInfo) {
	w.bits(globalGain, 8)
	lenBits, esc := 5, 31
	if info.short {
		lenBits, esc = 3, 7
	}
	for range info.groups {
		if info.maxSfb == 0 {
			continue
		}
		w.bits(0, 4) // sect_cb: ZERO_HCB
		n := info.maxSfb
		for ; n >= esc; n -= esc {
			w.bits(uint32(esc), lenBits)
		}
		w.bits(uint32(n), lenBits)
	}
	w.bits(0, 1) // pulse_data_present
	w.bits(0, 1) // tns_data_present
	w.bits(0, 1) // gain_control_data_present
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

// WithChannelConfig returns a copy of asc with channelConfiguration cc.
func WithChannelConfig(asc []byte, cc int) ([]byte, error) {
	if err := checkASC(asc); err != nil {
		return nil, err
	}
	if cc < 1 || cc > 7 {
		return nil, fmt.Errorf("aac: channel configuration %d", cc)
	}
	out := append([]byte(nil), asc...)
	out[1] = out[1]&^0x78 | byte(cc)<<3
	return out, nil
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
