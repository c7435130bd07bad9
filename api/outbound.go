package api

import (
	"context"
	"fmt"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/egress/outbound"
	"github.com/roomcast/roomcast/egress/rtmp"
)

// checkTargets refuses the first target whose host the outbound network
// policy refuses, naming its field (say "outputs.rtmp[1].url"): a job
// must not point the workers at the operator's own network.
func (s *Server) checkTargets(ctx context.Context, field string, ts []types.Target) error {
	for i, t := range ts {
		if err := s.cfg.CheckRTMP(ctx, t.URL); err != nil {
			return &types.FieldError{Field: fmt.Sprintf("%s[%d].url", field, i), Reason: err.Error()}
		}
	}
	return nil
}

// checkRTMPDefault checks a target's host against the default outbound
// refusals (Config.CheckRTMP unset).
func checkRTMPDefault(ctx context.Context, raw string) error {
	t, err := rtmp.ParseTarget(raw)
	if err != nil {
		return err
	}
	var p *outbound.Policy
	return p.CheckHost(ctx, t.Host)
}
