package egress

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/egress/outbound"
	"github.com/roomcast/roomcast/test/testutil"
)

// TestRefusedTargetFailsOnce: an RTMP target the outbound policy refuses
// at connect time fails its output at once, like a rejected key: no
// retries, an error that names the refusal and not the key, and no
// connection.
func TestRefusedTargetFailsOnce(t *testing.T) {
	addr, accepted := testutil.CountingListener(t)
	deps := testDeps()
	deps.NewRTMP = NewRTMPOutput(nil, nil, nil)
	deps.Permanent = PermanentRTMP
	m := NewManager(deps)
	defer m.Close()
	const key = "SECRET-stream-key-42"
	info, err := m.Start(context.Background(), "t1", Spec{Room: "r1", Outputs: OutputsSpec{RTMP: URLs("rtmp://" + addr + "/live/" + key)}}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	info = waitInfo(t, m, info.ID, func(i Info) bool { return len(i.Outputs.RTMP) == 1 && i.Outputs.RTMP[0].State == StateFailed })
	o := info.Outputs.RTMP[0]
	if !strings.Contains(o.Error, "is loopback, refused for outbound connections") || o.Reconnects != 0 {
		t.Errorf("refused output: error %q after %d reconnects", o.Error, o.Reconnects)
	}
	if strings.Contains(o.Error, key) || strings.Contains(info.Error, key) {
		t.Errorf("error shows the key: %q / %q", o.Error, info.Error)
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("the refused target's server accepted %d connections", n)
	}
}

func TestPermanentRTMP(t *testing.T) {
	refused := &outbound.RefusedError{Addr: netip.MustParseAddr("10.0.0.1"), Range: "private"}
	if !PermanentRTMP(&net.OpError{Op: "dial", Err: refused}) {
		t.Error("a refused dial is retried")
	}
	if PermanentRTMP(errors.New("connect: connection refused")) {
		t.Error("a down server is not retried")
	}
}

// TestCheckRTMP: the API's check refuses hosts by address, naming the
// range and never the key; allowed prefixes pass. Addresses are only
// checked here, never dialled.
func TestCheckRTMP(t *testing.T) {
	ctx := context.Background()
	const key = "SECRET-key-7"
	def := CheckRTMP(nil)
	for url, want := range map[string]string{
		"rtmp://169.254.169.254/live/" + key:        "link-local",
		"rtmps://10.1.2.3:443/live/" + key:          "private",
		"rtmp://[::ffff:127.0.0.1]:1935/app/" + key: "loopback",
		"rtmp://93.184.216.34/live/" + key:          "",
	} {
		err := def(ctx, url)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", RedactRTMP(url), err)
		case want != "" && (!errors.Is(err, outbound.ErrRefused) || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: err %v, want %s refused", RedactRTMP(url), err, want)
		case err != nil && strings.Contains(err.Error(), key):
			t.Errorf("error shows the key: %v", err)
		}
	}
	allowed := CheckRTMP(outbound.New([]netip.Prefix{netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("10.0.0.0/8")}, nil))
	for _, url := range []string{"rtmp://169.254.169.254/live/k", "rtmps://10.1.2.3/live/k"} {
		if err := allowed(ctx, url); err != nil {
			t.Errorf("%s allowed: %v", url, err)
		}
	}
	if err := def(ctx, "http://x/y"); err == nil || errors.Is(err, outbound.ErrRefused) {
		t.Errorf("bad URL: %v", err)
	}
}

// TestProbeFollowsThePolicy: a down target's probe dials only addresses
// the policy allows.
func TestProbeFollowsThePolicy(t *testing.T) {
	addr, accepted := testutil.CountingListener(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := probeRTMP("rtmp://"+addr+"/live/k", nil)(ctx); !errors.Is(err, outbound.ErrRefused) {
		t.Fatalf("probe under the default policy: %v", err)
	}
	loopback := outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, nil)
	if err := probeRTMP("rtmp://"+addr+"/live/k", loopback)(ctx); err != nil {
		t.Fatalf("probe with loopback allowed: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for accepted.Load() < 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("server accepted %d probes, want only the allowed one", n)
	}
}
