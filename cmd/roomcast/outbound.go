package main

import (
	"fmt"
	"log/slog"
	"net/netip"

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
