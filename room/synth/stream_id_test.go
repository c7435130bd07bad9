package synth

import (
	"strings"
	"testing"
)

func TestStreamID(t *testing.T) {
	cases := []struct{ name, want string }{
		{"bot-1", "bot-1"},
		{"alice.smith_2~x", "alice.smith_2~x"},
		{"synth VP8/ü", "synth_VP8__"},
		{"a:b;c=d{e}", "a_b_c_d_e_"},
		{strings.Repeat("x", 100), strings.Repeat("x", 64)},
	}
	for _, tc := range cases {
		if got := streamID(tc.name); got != tc.want {
			t.Errorf("streamID(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
