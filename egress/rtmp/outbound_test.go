package rtmp

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/roomcast/roomcast/egress/outbound"
	"github.com/roomcast/roomcast/test/testutil"
)

// loopback is the outbound policy of tests whose servers listen on
// 127.0.0.1: it allows loopback, as egress.allowed_networks would.
var loopback = outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}, nil)

// TestLoopbackTargetRefusedAtConnect: without loopback in the policy, an
// output to a server on 127.0.0.1 fails before connecting, with an error
// that names the refusal and not the key, and nothing reaches the server.
func TestLoopbackTargetRefusedAtConnect(t *testing.T) {
	addr, accepted := testutil.CountingListener(t)
	const key = "refused-target-SECRET-key"
	for _, p := range []*outbound.Policy{nil, outbound.New(nil, nil)} {
		o := New(Config{Outbound: p, Target: mustTarget(t, "rtmp://"+addr+"/live/"+key)})
		err := runBounded(t, o, newAudioSource(1))
		var re *outbound.RefusedError
		if !errors.As(err, &re) || re.Range != "loopback" || !errors.Is(err, outbound.ErrRefused) {
			t.Fatalf("Run = %v, want a loopback refusal", err)
		}
		assertNoKey(t, key, err.Error(), o.Stats().LastError)
	}
	// A connection the policy allows is the first the server sees.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	testutil.Eventually(t, 5*time.Second, "the allowed connection", func() bool { return accepted.Load() >= 1 })
	if n := accepted.Load(); n != 1 {
		t.Fatalf("server accepted %d connections, want 1 (refused outputs must not connect)", n)
	}
}
