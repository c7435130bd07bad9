package h264

// NALUType is a nal_unit_type (ITU-T H.264 table 7-1; 24..29 are the RTP
// aggregation and fragmentation types of RFC 6184 section 5.2).
type NALUType uint8

// NAL unit types.
const (
	NALUTypeNonIDR        NALUType = 1
	NALUTypeDataPartA     NALUType = 2
	NALUTypeDataPartB     NALUType = 3
	NALUTypeDataPartC     NALUType = 4
	NALUTypeIDR           NALUType = 5
	NALUTypeSEI           NALUType = 6
	NALUTypeSPS           NALUType = 7
	NALUTypePPS           NALUType = 8
	NALUTypeAUD           NALUType = 9
	NALUTypeEndOfSequence NALUType = 10
	NALUTypeEndOfStream   NALUType = 11
	NALUTypeFiller        NALUType = 12
	NALUTypeSPSExtension  NALUType = 13
	NALUTypePrefix        NALUType = 14
	NALUTypeSubsetSPS     NALUType = 15
	NALUTypeSTAPA         NALUType = 24
	NALUTypeFUA           NALUType = 28
)

// TypeMask selects nal_unit_type in the first byte of a NAL unit header.
const TypeMask = 0x1f

// Type is the nal_unit_type of a NAL unit (header byte first), 0 for an
// empty one.
func Type(nalu []byte) NALUType {
	if len(nalu) == 0 {
		return 0
	}
	return NALUType(nalu[0] & TypeMask)
}

// IsVCL reports whether t is a coded slice (types 1 to 5).
func (t NALUType) IsVCL() bool { return t >= NALUTypeNonIDR && t <= NALUTypeIDR }

// IsParameterSet reports whether t is an SPS or a PPS.
func (t NALUType) IsParameterSet() bool { return t == NALUTypeSPS || t == NALUTypePPS }
