package api

import (
	"context"
	"fmt"

	"github.com/roomcast/roomcast/egress"
)

// checkTargets refuses the first target whose host the outbound network
// policy refuses, naming its field (say "outputs.rtmp[1].url"): a job
// must not point the workers at the operator's own network.
func (s *Server) checkTargets(ctx context.Context, field string, ts []egress.Target) error {
	for i, t := range ts {
		if err := s.cfg.CheckRTMP(ctx, t.URL); err != nil {
			return &egress.FieldError{Field: fmt.Sprintf("%s[%d].url", field, i), Reason: err.Error()}
		}
	}
	return nil
}
