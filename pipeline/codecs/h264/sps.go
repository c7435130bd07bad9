package h264

import (
	"errors"
	"fmt"

	"github.com/roomcast/roomcast/pipeline/codecs/bits"
)

// ErrBadSPS reports a sequence parameter set that cannot be read.
var ErrBadSPS = errors.New("bad h264 sps")

// MaxDimension bounds the picture width and height an SPS may declare.
const MaxDimension = 16384

// SPS is what a sequence parameter set says that containers and
// compositors need (ITU-T H.264 section 7.3.2.1.1).
type SPS struct {
	ProfileIDC      uint8
	ConstraintFlags uint8 // constraint_set0_flag .. reserved_zero_2bits
	LevelIDC        uint8
	ID              uint32 // seq_parameter_set_id
	ChromaFormatIDC uint32 // 1 (4:2:0) unless a high profile says otherwise
	BitDepthLuma    uint32 // bit_depth_luma_minus8 + 8
	BitDepthChroma  uint32 // bit_depth_chroma_minus8 + 8
	Width, Height   int    // the picture size after cropping
}

// highProfiles carry chroma_format_idc and friends (section 7.3.2.1.1).
var highProfiles = map[uint8]bool{100: true, 110: true, 122: true, 244: true, 44: true,
	83: true, 86: true, 118: true, 128: true, 138: true, 139: true, 134: true, 135: true}

// ParseSPS reads an SPS NAL unit (header byte included, emulation
// prevention bytes still in) up to the frame cropping fields, per ITU-T
// H.264 sections 7.3.2.1.1 and 7.4.2.1.1. A picture larger than
// MaxDimension either way, or empty, is an error.
func ParseSPS(nalu []byte) (SPS, error) {
	if len(nalu) < 4 || Type(nalu) != NALUTypeSPS {
		return SPS{}, fmt.Errorf("%w: not an sps", ErrBadSPS)
	}
	r := bitReader{bits.NewReader(Unescape(nalu[1:]), 0)}
	s := SPS{ProfileIDC: uint8(r.Bits(8)), ConstraintFlags: uint8(r.Bits(8)), LevelIDC: uint8(r.Bits(8))}
	s.ID = r.ue()
	s.ChromaFormatIDC, s.BitDepthLuma, s.BitDepthChroma = 1, 8, 8
	separate := false
	if highProfiles[s.ProfileIDC] {
		separate = s.readChroma(r)
	}
	skipFrameOrder(r)
	r.ue()  // max_num_ref_frames
	r.Bit() // gaps_in_frame_num_value_allowed_flag
	if err := s.readSize(r, separate); err != nil {
		return SPS{}, err
	}
	return s, nil
}

// readChroma reads chroma_format_idc through the scaling matrices and
// returns separate_colour_plane_flag.
func (s *SPS) readChroma(r bitReader) bool {
	s.ChromaFormatIDC = r.ue()
	separate := false
	if s.ChromaFormatIDC == 3 {
		separate = r.Bit() == 1
	}
	s.BitDepthLuma = r.ue() + 8
	s.BitDepthChroma = r.ue() + 8
	r.Bit()           // qpprime_y_zero_transform_bypass_flag
	if r.Bit() == 1 { // seq_scaling_matrix_present_flag
		lists := 8
		if s.ChromaFormatIDC == 3 {
			lists = 12
		}
		for i := range lists {
			size := 64
			if i < 6 {
				size = 16
			}
			if r.Bit() == 1 {
				skipScalingList(r, size)
			}
		}
	}
	return separate
}

// skipScalingList reads scaling_list() (section 7.3.2.1.1.1).
func skipScalingList(r bitReader, size int) {
	last, next := int32(8), int32(8)
	for j := 0; j < size && r.Err() == nil; j++ {
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
func skipFrameOrder(r bitReader) {
	r.ue()          // log2_max_frame_num_minus4
	switch r.ue() { // pic_order_cnt_type
	case 0:
		r.ue() // log2_max_pic_order_cnt_lsb_minus4
	case 1:
		r.Bit() // delta_pic_order_always_zero_flag
		r.se()  // offset_for_non_ref_pic
		r.se()  // offset_for_top_to_bottom_field
		n := r.ue()
		if n > 255 {
			r.Fail(errLongPOCList)
			return
		}
		for range n {
			r.se()
		}
	}
}

// readSize reads the picture size and cropping and sets Width and Height.
func (s *SPS) readSize(r bitReader, separate bool) error {
	wMBs := int64(r.ue()) + 1
	hUnits := int64(r.ue()) + 1
	frameMBsOnly := int64(r.Bit())
	if frameMBsOnly == 0 {
		r.Bit() // mb_adaptive_frame_field_flag
	}
	r.Bit() // direct_8x8_inference_flag
	var crop [4]int64
	if r.Bit() == 1 {
		for i := range crop {
			crop[i] = int64(r.ue())
		}
	}
	if r.Err() != nil {
		return fmt.Errorf("%w: %w", ErrBadSPS, r.Err())
	}
	ux, uy := cropUnits(s.ChromaFormatIDC, separate)
	uy *= 2 - frameMBsOnly
	w := wMBs*16 - ux*(crop[0]+crop[1])
	h := (2-frameMBsOnly)*hUnits*16 - uy*(crop[2]+crop[3])
	if w <= 0 || h <= 0 || w > MaxDimension || h > MaxDimension {
		return fmt.Errorf("%w: picture %dx%d", ErrBadSPS, w, h)
	}
	s.Width, s.Height = int(w), int(h)
	return nil
}

// cropUnits are CropUnitX and CropUnitY before the field factor (section
// 7.4.2.1.1).
func cropUnits(chromaFormatIDC uint32, separate bool) (int64, int64) {
	if separate {
		return 1, 1
	}
	switch chromaFormatIDC {
	case 1:
		return 2, 2
	case 2:
		return 2, 1
	default: // 0 (monochrome) and 3 (4:4:4)
		return 1, 1
	}
}
