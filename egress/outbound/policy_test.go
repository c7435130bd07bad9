package outbound

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// Addresses here are only ever checked, never dialled.
var addrCases = []struct {
	addr    string
	refused string // "" : allowed by default
}{
	{"0.0.0.0", "unspecified"},
	{"0.1.2.3", "unspecified"},
	{"::", "unspecified"},
	{"127.0.0.1", "loopback"},
	{"127.255.255.254", "loopback"},
	{"::1", "loopback"},
	{"10.0.0.1", "private"},
	{"10.255.255.255", "private"},
	{"172.16.0.1", "private"},
	{"172.31.255.255", "private"},
	{"192.168.1.1", "private"},
	{"100.64.0.1", "shared (carrier-grade NAT)"},
	{"100.127.255.255", "shared (carrier-grade NAT)"},
	{"169.254.169.254", "link-local"},
	{"fe80::1", "link-local"},
	{"fe80::1%eth0", "link-local"},
	{"febf::1", "link-local"},
	{"fc00::1", "unique-local"},
	{"fd12:3456::1", "unique-local"},
	{"224.0.0.1", "multicast"},
	{"239.255.255.250", "multicast"},
	{"ff02::1", "multicast"},
	{"255.255.255.255", "broadcast"},
	// IPv4-mapped, IPv4-compatible and NAT64 forms carry the IPv4 block.
	{"::ffff:127.0.0.1", "loopback"},
	{"::ffff:169.254.169.254", "link-local"},
	{"::ffff:10.1.2.3", "private"},
	{"::ffff:0.0.0.0", "unspecified"},
	{"::ffff:100.64.0.1", "shared (carrier-grade NAT)"},
	{"::ffff:224.0.0.1", "multicast"},
	{"::ffff:255.255.255.255", "broadcast"},
	{"::127.0.0.1", "loopback"},
	{"::a9fe:a9fe", "link-local"},
	{"::192.168.0.1", "private"},
	{"64:ff9b::127.0.0.1", "loopback"},
	{"64:ff9b::a9fe:a9fe", "link-local"},
	{"64:ff9b::10.1.2.3", "private"},
	// Public addresses, and the edges just outside refused blocks.
	{"8.8.8.8", ""},
	{"1.1.1.1", ""},
	{"93.184.216.34", ""},
	{"9.255.255.255", ""},
	{"11.0.0.0", ""},
	{"172.15.255.255", ""},
	{"172.32.0.0", ""},
	{"100.63.255.255", ""},
	{"100.128.0.0", ""},
	{"169.253.255.255", ""},
	{"128.0.0.0", ""},
	{"223.255.255.255", ""},
	{"2001:4860:4860::8888", ""},
	{"::ffff:8.8.8.8", ""},
	{"64:ff9b::8.8.8.8", ""},
	{"fec0::1", ""}, // site-local, deprecated: routed like global unicast today
}

func TestCheckAddrDefaults(t *testing.T) {
	for _, p := range []*Policy{nil, {}, New(nil, nil)} {
		for _, tc := range addrCases {
			err := p.CheckAddr(netip.MustParseAddr(tc.addr))
			checkRefusal(t, tc.addr, err, tc.refused)
		}
	}
}

// checkRefusal fails unless err refuses addr as wantRange ("" : nil err).
func checkRefusal(t *testing.T, addr string, err error, wantRange string) {
	t.Helper()
	if wantRange == "" {
		if err != nil {
			t.Errorf("%s: refused: %v", addr, err)
		}
		return
	}
	var re *RefusedError
	if !errors.As(err, &re) || re.Range != wantRange || !errors.Is(err, ErrRefused) {
		t.Errorf("%s: err %v, want refused as %s", addr, err, wantRange)
		return
	}
	if !strings.Contains(err.Error(), "egress.allowed_networks") || !strings.Contains(err.Error(), wantRange) {
		t.Errorf("%s: unclear message %q", addr, err)
	}
}

func TestRefusedMessage(t *testing.T) {
	err := New(nil, nil).CheckAddr(netip.MustParseAddr("169.254.169.254"))
	want := "address 169.254.169.254 is link-local, refused for outbound connections (the operator can allow it with egress.allowed_networks)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestAllowedNetworksOverride(t *testing.T) {
	allowed, err := ParseNetworks("127.0.0.0/8, ::1/128, 169.254.0.0/16, 10.0.0.0/8, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	p := New(allowed, nil)
	for _, tc := range []struct{ addr, refused string }{
		{"127.0.0.1", ""},
		{"::1", ""},
		{"::ffff:127.0.0.1", ""}, // the IPv4 form is allowed: so is its mapped form
		{"64:ff9b::a9fe:a9fe", ""},
		{"169.254.169.254", ""},
		{"10.1.2.3", ""},
		{"fd12::1", ""},
		{"fc00::1", "unique-local"}, // fc00::/8 is not in fd00::/8
		{"192.168.1.1", "private"},
		{"172.16.0.1", "private"},
		{"100.64.0.1", "shared (carrier-grade NAT)"},
		{"0.0.0.0", "unspecified"},
		{"8.8.8.8", ""},
	} {
		checkRefusal(t, tc.addr, p.CheckAddr(netip.MustParseAddr(tc.addr)), tc.refused)
	}
	if got := p.Allowed(); len(got) != 5 {
		t.Errorf("Allowed() = %v", got)
	}
}

// fakeResolver answers from a table, and answers[i] on the i-th lookup
// of a name listed in sequence (a name that rebinds).
type fakeResolver struct {
	names    map[string][]string
	sequence map[string][][]string
	calls    map[string]int
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if r.calls == nil {
		r.calls = map[string]int{}
	}
	list, ok := r.names[host]
	if seq := r.sequence[host]; seq != nil {
		list, ok = seq[min(r.calls[host], len(seq)-1)], true
	}
	r.calls[host]++
	if !ok {
		return nil, errors.New("no such host")
	}
	var out []netip.Addr
	for _, s := range list {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

// errResolver fails every lookup with err.
type errResolver struct{ err error }

func (r errResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return nil, r.err
}

func TestCheckHost(t *testing.T) {
	res := &fakeResolver{names: map[string][]string{
		"public.test":   {"93.184.216.34", "2606:2800:220:1::1"},
		"metadata.test": {"169.254.169.254"},
		"mixed.test":    {"93.184.216.34", "10.0.0.5"},
		"mapped.test":   {"::ffff:127.0.0.1"},
		"empty.test":    {},
	}}
	p := New(nil, res)
	ctx := context.Background()
	for _, tc := range []struct {
		host, refused string
	}{
		{"public.test", ""},
		{"93.184.216.34", ""},
		{"169.254.169.254", "link-local"},
		{"::1", "loopback"},
		{"fe80::1%eth0", "link-local"},
		{"metadata.test", "link-local"},
		{"mixed.test", "private"},
		{"mapped.test", "loopback"},
	} {
		checkRefusal(t, tc.host, p.CheckHost(ctx, tc.host), tc.refused)
	}
	err := p.CheckHost(ctx, "metadata.test")
	if err == nil || strings.Contains(err.Error(), "169.254") || !strings.HasPrefix(err.Error(), "host metadata.test resolves to an address that is link-local, refused") {
		t.Errorf("named refusal: %v", err)
	}
	for _, host := range []string{"empty.test", "missing.test"} {
		err := p.CheckHost(ctx, host)
		if !errors.Is(err, ErrResolve) || errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), host) {
			t.Errorf("%s: err %v, want a resolve error naming it", host, err)
		}
	}
	dnsErr := &net.DNSError{Err: "server misbehaving", Name: "x.test", Server: "10.0.0.2:53"}
	err = New(nil, errResolver{dnsErr}).CheckHost(ctx, "x.test")
	if !errors.Is(err, ErrResolve) || !errors.Is(err, dnsErr) || strings.Contains(err.Error(), "10.0.0.2") ||
		err.Error() != "cannot resolve host x.test: server misbehaving" {
		t.Errorf("DNS failure: %v", err)
	}
	allowed := New([]netip.Prefix{netip.MustParsePrefix("169.254.0.0/16")}, res)
	if err := allowed.CheckHost(ctx, "metadata.test"); err != nil {
		t.Errorf("allowed metadata.test: %v", err)
	}
}
