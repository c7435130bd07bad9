package room

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pion/webrtc/v3"
)

var errSessionClosed = errors.New("session closed")

// answerOffer applies a remote offer and returns the complete local answer,
// with every ICE candidate (no trickle). pion's rejection of the offer is
// reported as ErrBadSDP.
func answerOffer(ctx context.Context, e *env, pc *webrtc.PeerConnection, offer string, stop <-chan struct{}) (string, error) {
	desc := webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}
	if err := pc.SetRemoteDescription(desc); err != nil {
		return "", fmt.Errorf("%w: apply offer: %w", ErrBadSDP, err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%w: create answer: %w", ErrBadSDP, err)
	}
	return setLocalAndGather(ctx, e, pc, answer, stop)
}

// setLocalAndGather applies a local description and waits for ICE gathering
// to complete, bounded by ctx, the gather timeout and stop.
func setLocalAndGather(ctx context.Context, e *env, pc *webrtc.PeerConnection, desc webrtc.SessionDescription, stop <-chan struct{}) (string, error) {
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(desc); err != nil {
		return "", fmt.Errorf("set local %s: %w", desc.Type, err)
	}
	t := time.NewTimer(e.gatherTimeout)
	defer t.Stop()
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("ice gathering: %w", context.Cause(ctx))
	case <-t.C:
		return "", fmt.Errorf("ice gathering not complete after %s", e.gatherTimeout)
	case <-stop:
		return "", fmt.Errorf("ice gathering: %w", errSessionClosed)
	}
	local := pc.LocalDescription()
	if local == nil {
		return "", fmt.Errorf("ice gathering: %w", errSessionClosed)
	}
	return local.SDP, nil
}
