package outbound

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/testutil"
)

// Only 127.0.0.1 is ever dialled here; other addresses are only checked.

func dialCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDialerRefusesLoopbackAtConnect(t *testing.T) {
	addr, accepted := testutil.CountingListener(t)
	d := New(nil, nil).Dialer(net.Dialer{Timeout: time.Second})
	c, err := d.DialContext(dialCtx(t), "tcp", addr)
	if err == nil {
		c.Close()
		t.Fatal("dial to loopback through the default policy connected")
	}
	var re *RefusedError
	if !errors.As(err, &re) || re.Range != "loopback" {
		t.Fatalf("err %v, want a loopback refusal", err)
	}
	// Let an accept that should not exist show up before counting.
	probe, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	probe.Close()
	deadline := time.Now().Add(5 * time.Second)
	for accepted.Load() < 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := accepted.Load(); n != 1 {
		t.Fatalf("listener accepted %d connections, want only the probe's", n)
	}
}

func TestDialerAllowsLoopbackWhenListed(t *testing.T) {
	addr, _ := testutil.CountingListener(t)
	allowed, err := ParseNetworks("127.0.0.0/8,::1/128")
	if err != nil {
		t.Fatal(err)
	}
	d := New(allowed, nil).Dialer(net.Dialer{Timeout: time.Second})
	c, err := d.DialContext(dialCtx(t), "tcp", addr)
	if err != nil {
		t.Fatalf("allowed loopback: %v", err)
	}
	c.Close()
}

// TestRebindingRefusedAtConnect: a name that resolves to a public
// address when the job is checked and to loopback when it is dialled
// passes CheckHost, and the connection is refused anyway.
func TestRebindingRefusedAtConnect(t *testing.T) {
	addr, _ := testutil.CountingListener(t)
	res := &fakeResolver{sequence: map[string][][]string{"rebind.test": {{"93.184.216.34"}, {"127.0.0.1"}}}}
	p := New(nil, res)
	ctx := dialCtx(t)
	if err := p.CheckHost(ctx, "rebind.test"); err != nil {
		t.Fatalf("check time: %v", err)
	}
	// Dial time: the name now resolves to loopback.
	addrs, err := res.LookupNetIP(ctx, "ip", "rebind.test")
	if err != nil || len(addrs) != 1 || !addrs[0].IsLoopback() {
		t.Fatalf("second answer %v, %v", addrs, err)
	}
	_, port, _ := net.SplitHostPort(addr)
	c, err := p.Dialer(net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", net.JoinHostPort(addrs[0].String(), port))
	if err == nil {
		c.Close()
		t.Fatal("rebound name connected to loopback")
	}
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("err %v, want a refusal", err)
	}
}

func TestDialerKeepsBaseControl(t *testing.T) {
	addr, _ := testutil.CountingListener(t)
	allowed := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	var ran atomic.Int32
	base := net.Dialer{Timeout: time.Second, Control: func(string, string, syscall.RawConn) error { ran.Add(1); return nil }}
	c, err := New(allowed, nil).Dialer(base).DialContext(dialCtx(t), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	baseErr := errors.New("base says no")
	base = net.Dialer{Timeout: time.Second, ControlContext: func(context.Context, string, string, syscall.RawConn) error { return baseErr }}
	if _, err := New(allowed, nil).Dialer(base).DialContext(dialCtx(t), "tcp", addr); !errors.Is(err, baseErr) {
		t.Errorf("base ControlContext: err %v", err)
	}
	if ran.Load() != 1 {
		t.Errorf("base Control ran %d times", ran.Load())
	}
}

func TestControlChecksTheAddress(t *testing.T) {
	p := New(nil, nil)
	for _, tc := range []struct {
		address, refused string
	}{
		{"169.254.169.254:80", "link-local"},
		{"[::ffff:10.0.0.1]:1935", "private"},
		{"[fe80::1%eth0]:443", "link-local"},
		{"93.184.216.34:1935", ""},
	} {
		checkRefusal(t, tc.address, p.Control("tcp4", tc.address, nil), tc.refused)
	}
	if err := p.Control("tcp", "not-an-ip:80", nil); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "not an IP address") {
		t.Errorf("a name reached Control: %v", err)
	}
}
