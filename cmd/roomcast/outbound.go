package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"net/url"
	"slices"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/egress/outbound"
)

// outboundPolicy is the policy of every connection made for a caller
// (RTMP targets, webhooks): the default refusals, but for the prefixes
// of egress.allowed_networks.
func outboundPolicy(cfg configs.Config, log *slog.Logger) (*outbound.Policy, error) {
	var allowed []netip.Prefix
	for i, n := range cfg.Egress.AllowedNetworks {
		p, err := outbound.ParseNetwork(n)
		if err != nil {
			return nil, fmt.Errorf("egress.allowed_networks[%d]: %w", i, err)
		}
		allowed = append(allowed, p)
	}
	if len(allowed) > 0 {
		log.Info("outbound connections may reach these local networks", "allowed_networks", fmt.Sprint(allowed))
	}
	return outbound.New(allowed, nil), nil
}

// checkWebhookHosts refuses to start with a webhook endpoint whose host
// the policy refuses, naming its setting. A host that does not resolve
// now is only logged: DNS may be late at boot, and each delivery's
// connection is checked anyway.
func checkWebhookHosts(ctx context.Context, h configs.Webhook, policy *outbound.Policy, log *slog.Logger) error {
	urls := map[string]string{}
	if h.URL != "" {
		urls["webhook.url"] = h.URL
	}
	for i, e := range h.Endpoints {
		urls[fmt.Sprintf("webhook.endpoints[%d].url", i)] = e.URL
	}
	for _, field := range slices.Sorted(maps.Keys(urls)) {
		u, err := url.Parse(urls[field])
		if err != nil {
			return fmt.Errorf("%s: does not parse", field)
		}
		err = policy.CheckHost(ctx, u.Hostname())
		switch {
		case errors.Is(err, outbound.ErrResolve):
			log.Warn("webhook endpoint does not resolve now; its deliveries will be checked when they connect", "setting", field, "err", err)
		case err != nil:
			return fmt.Errorf("%s: %w", field, err)
		}
	}
	return nil
}
