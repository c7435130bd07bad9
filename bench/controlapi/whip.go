package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/roomcast/roomcast/pipeline/rtc"
)

// offerGathering bounds how long a pion peer takes to gather its
// loopback candidates.
const offerGathering = 10 * time.Second

// makeOffers makes n real WHIP offers, each from its own pion peer
// connection (a video and an audio transceiver sending, candidates
// gathered on loopback), so that the server does for each what it does
// for a browser's offer. They are made before the clock starts.
func makeOffers(ctx context.Context, n int) ([]string, error) {
	wapi, err := rtc.NewAPI(rtc.Options{LoopbackOnly: true})
	if err != nil {
		return nil, err
	}
	offers := make([]string, 0, n)
	for range n {
		sdp, err := makeOffer(ctx, wapi)
		if err != nil {
			return nil, err
		}
		offers = append(offers, sdp)
	}
	return offers, nil
}

func makeOffer(ctx context.Context, wapi *rtc.API) (string, error) {
	pc, err := wapi.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return "", fmt.Errorf("offer: %w", err)
	}
	defer func() { _ = pc.Close() }()
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		if _, err := pc.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			return "", fmt.Errorf("offer: %w", err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return "", fmt.Errorf("offer: %w", err)
	}
	select {
	case <-gathered:
		return pc.LocalDescription().SDP, nil
	case <-time.After(offerGathering):
		return "", errors.New("offer: candidates not gathered in time")
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// runOffers sends each offer with the join token from workers
// goroutines and, once answered, leaves the room again with a DELETE of
// the session: the offers' and the DELETEs' times, and the wall time of
// the whole run.
func runOffers(ctx context.Context, hc *http.Client, fx *fixture, workers int, offers []string) (post, del sample) {
	queue := make(chan string, len(offers))
	for _, o := range offers {
		queue <- o
	}
	close(queue)
	posts, dels := make([]sample, workers), make([]sample, workers)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			for sdp := range queue {
				location, d, err := publish(ctx, hc, fx, sdp)
				posts[i].add(d, err)
				if err == nil {
					dels[i].add(leave(ctx, hc, fx, location))
				}
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	return merge(posts, wall), merge(dels, wall)
}

// publish sends one offer: the session's Location and the time to the
// answer's last byte.
func publish(ctx context.Context, hc *http.Client, fx *fixture, sdp string) (string, time.Duration, error) {
	req, err := newRequest(ctx, http.MethodPost, fx.URL+whipPath, fx.token, "application/sdp", sdp)
	if err != nil {
		return "", 0, err
	}
	d, resp, err := roundTrip(hc, req)
	switch {
	case err != nil:
		return "", 0, fmt.Errorf("WHIP offer: %w", err)
	case resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") == "":
		return "", 0, fmt.Errorf("WHIP offer: status %d, want 201 with a Location", resp.StatusCode)
	}
	return resp.Header.Get("Location"), d, nil
}

// leave ends a WHIP session with the join token.
func leave(ctx context.Context, hc *http.Client, fx *fixture, location string) (time.Duration, error) {
	return send(ctx, hc, httpCase{name: "WHIP DELETE", want: http.StatusOK, build: func(ctx context.Context) (*http.Request, error) {
		return newRequest(ctx, http.MethodDelete, fx.URL+location, fx.token, "", "")
	}})
}
