package synth

import "testing"

func TestOpusSamples(t *testing.T) {
	toc := func(config, code byte) byte { return config<<3 | code }
	cases := []struct {
		packet  []byte
		want    uint32
		wantErr bool
	}{
		{packet: []byte{toc(31, 0), 0}, want: 960},     // CELT 20 ms
		{packet: []byte{toc(28, 0), 0}, want: 120},     // CELT 2.5 ms
		{packet: []byte{toc(31, 1), 0}, want: 1920},    // two frames
		{packet: []byte{toc(31, 2), 0}, want: 1920},    // two frames, sizes differ
		{packet: []byte{toc(31, 3), 3}, want: 2880},    // code 3, three frames
		{packet: []byte{toc(13, 0)}, want: 960},        // Hybrid 20 ms
		{packet: []byte{toc(12, 0)}, want: 480},        // Hybrid 10 ms
		{packet: []byte{toc(3, 0)}, want: 2880},        // SILK 60 ms
		{packet: []byte{toc(3, 1)}, want: 5760},        // 120 ms, the maximum
		{packet: []byte{toc(3, 3), 3}, wantErr: true},  // 180 ms
		{packet: []byte{toc(31, 3), 0}, wantErr: true}, // zero frames
		{packet: []byte{toc(31, 3)}, wantErr: true},    // no count byte
		{packet: nil, wantErr: true},                   // empty
	}
	for _, tc := range cases {
		got, err := opusSamples(tc.packet)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("opusSamples(% x) = %d, %v; want %d, error %v", tc.packet, got, err, tc.want, tc.wantErr)
		}
	}
}
