package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/roomcast/roomcast/egress/outbound"
)

// loopback allows the test receivers on 127.0.0.1, as
// egress.allowed_networks would.
var loopback = outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}, nil)

// TestDeliveryFollowsTheOutboundPolicy: a delivery to an endpoint on
// 127.0.0.1 is refused at connect time when the policy does not allow
// loopback (nothing reaches the endpoint, the reason says why without
// the address) and delivered when it does.
func TestDeliveryFollowsTheOutboundPolicy(t *testing.T) {
	js, _ := startJS(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	ev, err := NewEvent(EgressEnded, "TN_1", "EG_1", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, policy := range []*outbound.Policy{nil, outbound.New(nil, nil)} {
		d := newDispatcher(t, js, srv.URL+"/hook", nil)
		d.client = defaultClient(policy)
		err := onlyQueue(t, d).post(context.Background(), ev, []byte("{}"))
		var ae *attemptError
		if !errors.Is(err, ErrEndpoint) || !errors.Is(err, outbound.ErrRefused) || !errors.As(err, &ae) ||
			!strings.Contains(ae.reason, "outbound network policy") || strings.Contains(ae.reason, "127.0.0.1") {
			t.Errorf("delivery to loopback, not allowed: %v", err)
		}
		d.client.CloseIdleConnections()
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("refused deliveries reached the endpoint %d times", n)
	}
	d := newDispatcher(t, js, srv.URL+"/hook", nil) // allows loopback
	if err := onlyQueue(t, d).post(context.Background(), ev, []byte("{}")); err != nil {
		t.Fatalf("delivery to loopback, allowed: %v", err)
	}
	d.client.CloseIdleConnections()
	if n := hits.Load(); n != 1 {
		t.Fatalf("endpoint got %d deliveries, want 1", n)
	}
}
