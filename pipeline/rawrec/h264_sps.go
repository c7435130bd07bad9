package rawrec

import (
	"errors"
	"fmt"
)

var errBadSPS = errors.New("bad h264 sps")

// maxDimension bounds the picture size an SPS may declare.
const maxDimension = 16384

// spsInfo is the part of a sequence parameter set a container needs.
type spsInfo struct {
	width, height int
}

// chromaFormat is what the SPS says of the chroma sampling.
type chromaFormat struct {
	idc      uint32
	separate bool
}

// highProfiles carry chroma_format_idc and friends (ITU-T H.264 §7.3.2.1.1).
var highProfiles = map[uint32]bool{100: true, 110: true, 122: true, 244: true, 44: true,
	83: true, 86: true, 118: true, 128: true, 138: true, 139: true, 134: true, 135: true}

// parseSPS reads the picture size from an SPS NAL unit (header byte
// included) per ITU-T H.264 §7.3.2.1.1 and §7.4.2.1.1.
func parseSPS(nal []byte) (spsInfo, error) {
	if len(nal) < 4 || nal[0]&0x1F != nalSPS {
		return spsInfo{}, fmt.Errorf("%w: not an sps", errBadSPS)
	}
	r := &bitReader{b: unescapeRBSP(nal[1:])}
	profile := r.bits(8)
	r.bits(16) // constraint flags, level_idc
	r.ue()     // seq_parameter_set_id
	cf := chromaFormat{idc: 1}
	if highProfiles[profile] {
		cf = readChroma(r)
	}
	skipFrameOrder(r)
	r.ue()  // max_num_ref_frames
	r.bit() // gaps_in_frame_num_value_allowed_flag
	return readSize(r, cf)
}

func readChroma(r *bitReader) chromaFormat {
	cf := chromaFormat{idc: r.ue()}
	if cf.idc == 3 {
		cf.separate = r.bit() == 1
	}
	r.ue()            // bit_depth_luma_minus8
	r.ue()            // bit_depth_chroma_minus8
	r.bit()           // qpprime_y_zero_transform_bypass_flag
	if r.bit() == 1 { // seq_scaling_matrix_present_flag
		lists := 8
		if cf.idc == 3 {
			lists = 12
		}
		for i := range lists {
			size := 64
			if i < 6 {
				size = 16
			}
			if r.bit() == 1 {
				skipScalingList(r, size)
			}
		}
	}
	return cf
}

// skipScalingList reads scaling_list() (§7.3.2.1.1.1).
func skipScalingList(r *bitReader, size int) {
	last, next := int32(8), int32(8)
	for j := 0; j < size && r.err == nil; j++ {
		if next != 0 {
			next = (last + r.se() + 256) % 256
		}
		if next != 0 {
			last = next
		}
	}
}

// skipFrameOrder reads log2_max_frame_num_minus4 through the picture order
// count fields.
func skipFrameOrder(r *bitReader) {
	r.ue()          // log2_max_frame_num_minus4
	switch r.ue() { // pic_order_cnt_type
	case 0:
		r.ue() // log2_max_pic_order_cnt_lsb_minus4
	case 1:
		r.bit() // delta_pic_order_always_zero_flag
		r.se()  // offset_for_non_ref_pic
		r.se()  // offset_for_top_to_bottom_field
		n := r.ue()
		if n > 255 {
			r.err = errBadSPS
			return
		}
		for range n {
			r.se()
		}
	}
}

func readSize(r *bitReader, cf chromaFormat) (spsInfo, error) {
	wMBs := int64(r.ue()) + 1
	hUnits := int64(r.ue()) + 1
	frameMBsOnly := int64(r.bit())
	if frameMBsOnly == 0 {
		r.bit() // mb_adaptive_frame_field_flag
	}
	r.bit() // direct_8x8_inference_flag
	var crop [4]int64
	if r.bit() == 1 {
		for i := range crop {
			crop[i] = int64(r.ue())
		}
	}
	if r.err != nil {
		return spsInfo{}, fmt.Errorf("%w: %w", errBadSPS, r.err)
	}
	ux, uy := cropUnits(cf)
	uy *= 2 - frameMBsOnly
	w := wMBs*16 - ux*(crop[0]+crop[1])
	h := (2-frameMBsOnly)*hUnits*16 - uy*(crop[2]+crop[3])
	if w <= 0 || h <= 0 || w > maxDimension || h > maxDimension {
		return spsInfo{}, fmt.Errorf("%w: picture %dx%d", errBadSPS, w, h)
	}
	return spsInfo{width: int(w), height: int(h)}, nil
}

// cropUnits are CropUnitX and CropUnitY before the field factor (§7.4.2.1.1).
func cropUnits(cf chromaFormat) (int64, int64) {
	if cf.separate {
		return 1, 1
	}
	switch cf.idc {
	case 1:
		return 2, 2
	case 2:
		return 2, 1
	default: // 0 (monochrome) and 3 (4:4:4)
		return 1, 1
	}
}
