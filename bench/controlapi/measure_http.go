package main

import (
	"context"
	"fmt"
)

// measureHTTP runs the keyed cases for o.window each, then the real
// WHIP offers.
func measureHTTP(ctx context.Context, fx *fixture, o options) ([]httpResult, error) {
	hc := newHTTPClient(o.workers)
	defer hc.CloseIdleConnections()
	var out []httpResult
	for _, c := range keyedCases(fx) {
		s := runFor(ctx, hc, o.workers, o.window, c)
		out = append(out, httpRow(c.name, s, ""))
	}
	offers, err := makeOffers(ctx, o.offers)
	if err != nil {
		return nil, fmt.Errorf("WHIP offers: %w", err)
	}
	post, del := runOffers(ctx, hc, fx, o.workers, offers)
	const note = "each offer then leaves with DELETE; per second counts offer+DELETE pairs"
	out = append(out,
		httpRow("POST /v1/rooms/{room}/whip (token, real offer)", post, note),
		httpRow("DELETE /v1/rooms/{room}/whip/{id} (token)", del, note))
	return out, ctx.Err()
}
