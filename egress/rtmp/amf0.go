package rtmp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// AMF0 type markers (AMF0 specification, Adobe 2007, section 2).
const (
	amfNumber      = 0x00
	amfBoolean     = 0x01
	amfString      = 0x02
	amfObject      = 0x03
	amfNull        = 0x05
	amfUndefined   = 0x06
	amfReference   = 0x07
	amfECMAArray   = 0x08
	amfObjectEnd   = 0x09
	amfStrictArray = 0x0a
	amfDate        = 0x0b
	amfLongString  = 0x0c
)

// amfProp is one named property of an object or ECMA array, kept in order.
type amfProp struct {
	Name  string
	Value any // float64, int, bool, string or nil
}

// amfEncode appends the AMF0 encoding of each value. Values are float64,
// int, bool, string, nil (null) or []amfProp (an ECMA array).
func amfEncode(dst []byte, values ...any) []byte {
	for _, v := range values {
		switch v := v.(type) {
		case float64:
			dst = binary.BigEndian.AppendUint64(append(dst, amfNumber), math.Float64bits(v))
		case int:
			dst = amfEncode(dst, float64(v))
		case bool:
			b := byte(0)
			if v {
				b = 1
			}
			dst = append(dst, amfBoolean, b)
		case string:
			dst = appendAMFString(append(dst, amfString), v)
		case []amfProp:
			dst = binary.BigEndian.AppendUint32(append(dst, amfECMAArray), uint32(len(v)))
			for _, p := range v {
				dst = amfEncode(appendAMFString(dst, p.Name), p.Value)
			}
			dst = append(dst, 0, 0, amfObjectEnd)
		default:
			dst = append(dst, amfNull)
		}
	}
	return dst
}

// appendAMFString appends a UTF-8 string with its 16-bit length; longer
// strings are cut (nothing this package sends comes close).
func appendAMFString(dst []byte, s string) []byte {
	s = s[:min(len(s), math.MaxUint16)]
	return append(binary.BigEndian.AppendUint16(dst, uint16(len(s))), s...)
}

var errAMF = errors.New("malformed AMF0")

// maxAMFDepth bounds object nesting in server replies.
const maxAMFDepth = 8

// amfDecodeAll decodes a sequence of AMF0 values. Objects and ECMA arrays
// become map[string]any, strict arrays []any, strings string, numbers and
// dates float64, null and undefined nil.
func amfDecodeAll(b []byte) ([]any, error) {
	var out []any
	for len(b) > 0 {
		v, rest, err := amfDecode(b, 0)
		if err != nil {
			return out, err
		}
		out, b = append(out, v), rest
	}
	return out, nil
}

func amfDecode(b []byte, depth int) (any, []byte, error) {
	if len(b) == 0 || depth > maxAMFDepth {
		return nil, nil, errAMF
	}
	marker, b := b[0], b[1:]
	switch marker {
	case amfNumber, amfDate:
		n := 8
		if marker == amfDate {
			n = 10 // a number and a 16-bit time zone
		}
		if len(b) < n {
			return nil, nil, errAMF
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), b[n:], nil
	case amfBoolean:
		if len(b) < 1 {
			return nil, nil, errAMF
		}
		return b[0] != 0, b[1:], nil
	case amfString, amfLongString:
		return amfDecodeString(b, marker == amfLongString)
	case amfNull, amfUndefined:
		return nil, b, nil
	case amfReference:
		if len(b) < 2 {
			return nil, nil, errAMF
		}
		return nil, b[2:], nil
	case amfObject:
		return amfDecodeProps(b, depth)
	case amfECMAArray:
		if len(b) < 4 {
			return nil, nil, errAMF
		}
		return amfDecodeProps(b[4:], depth)
	case amfStrictArray:
		return amfDecodeStrictArray(b, depth)
	}
	return nil, nil, fmt.Errorf("%w: unsupported type 0x%02x", errAMF, marker)
}

func amfDecodeString(b []byte, long bool) (any, []byte, error) {
	var n int
	switch {
	case long && len(b) >= 4:
		n, b = int(binary.BigEndian.Uint32(b)), b[4:]
	case !long && len(b) >= 2:
		n, b = int(binary.BigEndian.Uint16(b)), b[2:]
	default:
		return nil, nil, errAMF
	}
	if n > len(b) {
		return nil, nil, errAMF
	}
	return string(b[:n]), b[n:], nil
}

// amfDecodeProps decodes the properties of an object or ECMA array up to
// the object-end marker.
func amfDecodeProps(b []byte, depth int) (any, []byte, error) {
	obj := make(map[string]any)
	for {
		if len(b) < 3 {
			return nil, nil, errAMF
		}
		n := int(binary.BigEndian.Uint16(b))
		if n == 0 && b[2] == amfObjectEnd {
			return obj, b[3:], nil
		}
		if len(b) < 2+n {
			return nil, nil, errAMF
		}
		name := string(b[2 : 2+n])
		v, rest, err := amfDecode(b[2+n:], depth+1)
		if err != nil {
			return nil, nil, err
		}
		obj[name], b = v, rest
	}
}

func amfDecodeStrictArray(b []byte, depth int) (any, []byte, error) {
	if len(b) < 4 {
		return nil, nil, errAMF
	}
	n := binary.BigEndian.Uint32(b)
	b = b[4:]
	if uint64(n) > uint64(len(b)) { // every value takes at least one byte
		return nil, nil, errAMF
	}
	out := make([]any, 0, n)
	for range n {
		v, rest, err := amfDecode(b, depth+1)
		if err != nil {
			return nil, nil, err
		}
		out, b = append(out, v), rest
	}
	return out, b, nil
}
