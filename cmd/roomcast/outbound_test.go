package main

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/egress/outbound"
)

func TestOutboundPolicyFromConfig(t *testing.T) {
	cfg := configs.Default()
	cfg.Egress.AllowedNetworks = []string{"127.0.0.0/8", "::1/128"}
	p, err := outboundPolicy(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckAddr(netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Errorf("allowed loopback: %v", err)
	}
	if err := p.CheckAddr(netip.MustParseAddr("10.0.0.1")); !errors.Is(err, outbound.ErrRefused) {
		t.Errorf("private address: %v", err)
	}
	cfg.Egress.AllowedNetworks = []string{"127.0.0.0/8", "nope"}
	if _, err := outboundPolicy(cfg, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "egress.allowed_networks[1]") {
		t.Errorf("bad network: %v", err)
	}
}

// noDNS answers no lookup: these tests never leave the machine.
type noDNS struct{}

func (noDNS) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return nil, errors.New("no DNS in tests")
}

// TestWebhookHostsCheckedAtStart: a webhook URL at a refused address
// stops start-up naming its setting; an allowed one, or a name that does
// not resolve now, does not.
func TestWebhookHostsCheckedAtStart(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	def := outbound.New(nil, noDNS{})
	for field, h := range map[string]configs.Webhook{
		"webhook.url":              {URL: "http://169.254.169.254/latest"},
		"webhook.endpoints[1].url": {Endpoints: []configs.WebhookEndpoint{{Tenant: "a", URL: "https://93.184.216.34/h"}, {Tenant: "b", URL: "http://[::ffff:10.0.0.1]:8080/h"}}},
	} {
		err := checkWebhookHosts(ctx, h, def, log)
		if !errors.Is(err, outbound.ErrRefused) || !strings.HasPrefix(err.Error(), field+": ") {
			t.Errorf("%s: %v", field, err)
		}
	}
	loopback := outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, noDNS{})
	if err := checkWebhookHosts(ctx, configs.Webhook{URL: "http://127.0.0.1:9/hook"}, loopback, log); err != nil {
		t.Errorf("allowed loopback: %v", err)
	}
	if err := checkWebhookHosts(ctx, configs.Webhook{URL: "http://127.0.0.1:9/hook"}, def, log); !errors.Is(err, outbound.ErrRefused) {
		t.Errorf("loopback under the default policy: %v", err)
	}
	if err := checkWebhookHosts(ctx, configs.Webhook{URL: "https://hooks.unresolved.test/x"}, def, log); err != nil {
		t.Errorf("a name that does not resolve now: %v", err)
	}
}
