package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/egress"
	"github.com/roomcast/roomcast/egress/outbound"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/room"
)

// recordingEgress takes jobs without running them: nothing is dialled.
type recordingEgress struct {
	mu      sync.Mutex
	started []types.Spec
	updates []types.Update
}

func (e *recordingEgress) Start(_ context.Context, tenant string, spec types.Spec) (types.Info, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.started = append(e.started, spec)
	return types.Info{ID: "EG_test", Tenant: tenant, Room: spec.Room, Status: types.StatusActive}, nil
}

func (e *recordingEgress) Get(_ context.Context, id string) (types.Info, error) {
	return types.Info{ID: id, Tenant: configs.DefaultTenant, Status: types.StatusActive}, nil
}

func (e *recordingEgress) List(context.Context, types.Filter) ([]types.Info, error) {
	return nil, nil
}

func (e *recordingEgress) Update(_ context.Context, id string, u types.Update) (types.Info, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.updates = append(e.updates, u)
	return types.Info{ID: id, Tenant: configs.DefaultTenant, Status: types.StatusActive}, nil
}

func (e *recordingEgress) Stop(_ context.Context, id string) (types.Info, error) {
	return types.Info{ID: id, Status: types.StatusComplete}, nil
}

func (e *recordingEgress) counts() (int, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.started), len(e.updates)
}

// newEgressServer serves the egress API over eg with room r1, checking
// targets with check (nil: the API's default).
func newEgressServer(t *testing.T, eg Egress, check func(context.Context, string) error) *httptest.Server {
	t.Helper()
	rooms, err := room.NewManager(room.Config{MaxParticipants: 4, RTC: rtc.Options{LoopbackOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rooms.In(configs.DefaultTenant).Create("r1", room.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	s := New(Config{Keys: []configs.APIKey{{Tenant: configs.DefaultTenant, Key: key}}, Rooms: rooms,
		Egress: eg, ParseRTMP: egress.ParseRTMP, CheckRTMP: check})
	ts := httptest.NewServer(capture(t, s))
	t.Cleanup(func() { ts.Close(); rooms.Close() })
	return ts
}

// Targets here are only checked; the fake Egress never dials them.
const (
	metadataTarget = "rtmp://169.254.169.254/live/SECRET-meta-key"
	privateTarget  = "rtmp://10.1.2.3/live/SECRET-private-key"
)

func jobBody(targets ...string) string {
	return `{"room":"r1","outputs":{"rtmp":["rtmp://93.184.216.34/live/k","` + strings.Join(targets, `","`) + `"]}}`
}

// TestEgressRefusesLocalTargets: a job or an added target at a
// link-local or private address is a 400 naming the target's url field,
// under the default policy (nil CheckRTMP too), and never reaches the
// workers.
func TestEgressRefusesLocalTargets(t *testing.T) {
	for name, check := range map[string]func(context.Context, string) error{
		"default":        nil,
		"explicit empty": egress.CheckRTMP(outbound.New(nil, nil)),
	} {
		t.Run(name, func(t *testing.T) {
			eg := &recordingEgress{}
			ts := newEgressServer(t, eg, check)
			auth := "Bearer " + key
			for _, tc := range []struct{ target, rng string }{{metadataTarget, "link-local"}, {privateTarget, "private"}} {
				r := call(t, ts, "POST", "/v1/egress", auth, "application/json", jobBody(tc.target))
				reason := errorOf(t, r)
				if r.status != http.StatusBadRequest || !strings.HasPrefix(reason, "outputs.rtmp[1].url: ") || !strings.Contains(reason, tc.rng) {
					t.Errorf("start with %s: %d %q, want 400 on outputs.rtmp[1].url", egress.RedactRTMP(tc.target), r.status, reason)
				}
				r = call(t, ts, "PATCH", "/v1/egress/EG_test", auth, "application/json", `{"add_rtmp":["`+tc.target+`"]}`)
				reason = errorOf(t, r)
				if r.status != http.StatusBadRequest || !strings.HasPrefix(reason, "add_rtmp[0].url: ") || !strings.Contains(reason, tc.rng) {
					t.Errorf("add %s: %d %q, want 400 on add_rtmp[0].url", egress.RedactRTMP(tc.target), r.status, reason)
				}
				if strings.Contains(r.body, "SECRET") {
					t.Errorf("the reply shows the key: %s", r.body)
				}
			}
			if started, updated := eg.counts(); started != 0 || updated != 0 {
				t.Errorf("refused requests reached the workers: %d starts, %d updates", started, updated)
			}
		})
	}
}

// TestEgressAllowsListedNetworks: the same targets pass when the
// operator lists their networks.
func TestEgressAllowsListedNetworks(t *testing.T) {
	allowed := []netip.Prefix{netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("10.0.0.0/8")}
	eg := &recordingEgress{}
	ts := newEgressServer(t, eg, egress.CheckRTMP(outbound.New(allowed, nil)))
	auth := "Bearer " + key
	if r := call(t, ts, "POST", "/v1/egress", auth, "application/json", jobBody(metadataTarget, privateTarget)); r.status != http.StatusCreated {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	if r := call(t, ts, "PATCH", "/v1/egress/EG_test", auth, "application/json", `{"add_rtmp":["`+privateTarget+`"]}`); r.status != http.StatusOK {
		t.Fatalf("add: %d %s", r.status, r.body)
	}
	if started, updated := eg.counts(); started != 1 || updated != 1 {
		t.Errorf("%d starts, %d updates reached the workers, want 1 and 1", started, updated)
	}
}
