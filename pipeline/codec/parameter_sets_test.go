package codec

import (
	"bytes"
	"testing"
)

func TestParameterSets(t *testing.T) {
	au := []byte{0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x68, 2, 0, 0, 1, 0x65, 3}
	if got, want := ParameterSets(au), []byte{0, 0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x68, 2}; !bytes.Equal(got, want) {
		t.Errorf("ParameterSets = % x, want % x", got, want)
	}
	if got := ParameterSets([]byte{0, 0, 1, 0x65, 3}); got != nil {
		t.Errorf("ParameterSets of a slice = % x, want nil", got)
	}
}
