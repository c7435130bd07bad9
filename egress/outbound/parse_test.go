package outbound

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// parseCases feed both TestParseNetworks and FuzzParseNetworks' seeds.
var parseCases = []struct {
	in   string
	want []string // nil with errPart set: an error
	err  string   // a part of the error text
}{
	{in: "", want: nil},
	{in: " , ,", want: nil},
	{in: "127.0.0.0/8, ::1/128", want: []string{"127.0.0.0/8", "::1/128"}},
	{in: "10.0.0.0/8,169.254.0.0/16", want: []string{"10.0.0.0/8", "169.254.0.0/16"}},
	{in: "fd00::/8,", want: []string{"fd00::/8"}},
	{in: "192.168.1.7", want: []string{"192.168.1.7/32"}},
	{in: "::1", want: []string{"::1/128"}},
	{in: "0.0.0.0/0", want: []string{"0.0.0.0/0"}},
	{in: "::ffff:10.0.0.0/104", want: []string{"::ffff:10.0.0.0/104"}},
	{in: "10.1.2.3/8", err: "did you mean 10.0.0.0/8"},
	{in: "127.0.0.0/8, nope", err: `entry 2: network "nope"`},
	{in: "10.0.0.0/33", err: "want a CIDR prefix"},
	{in: "10.0.0/8", err: "want a CIDR prefix"},
	{in: "fe80::1%eth0", err: "want a CIDR prefix"},
	{in: "fe80::%eth0/64", err: "want a CIDR prefix"},
	{in: "10.0.0.0/-1", err: "want a CIDR prefix"},
	{in: "10.0.0.0/8/8", err: "want a CIDR prefix"},
	{in: strings.Repeat("1", 200), err: "too long"},
}

func TestParseNetworks(t *testing.T) {
	for _, tc := range parseCases {
		got, err := ParseNetworks(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want one with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if !slices.Equal(s, tc.want) {
			t.Errorf("%q: got %v, want %v", tc.in, s, tc.want)
		}
	}
}

// FuzzParseNetworks: no input panics; what parses is masked and valid,
// and its printed form parses back to the same prefixes.
func FuzzParseNetworks(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseNetworks(in)
		if err != nil {
			if len(err.Error()) > 4*maxQuoted+200 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		var s []string
		for _, p := range got {
			if !p.IsValid() || p.Masked() != p || p.Addr().Zone() != "" {
				t.Fatalf("%q gave %v", in, p)
			}
			s = append(s, p.String())
		}
		again, err := ParseNetworks(strings.Join(s, ","))
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("%q: round trip %v → %v, %v", in, got, again, err)
		}
		for _, p := range got {
			_ = New(got, nil).CheckAddr(p.Addr())
			_ = netip.PrefixFrom(p.Addr(), p.Bits())
		}
	})
}
