package room

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/roomcast/roomcast/pipeline/rtc"
)

// Timing defaults.
const (
	gatherTimeout      = 10 * time.Second       // ICE gathering of one answer or offer
	answerTimeout      = 10 * time.Second       // a subscriber's answer to a renegotiation offer
	connectTimeout     = 30 * time.Second       // from creation to the first "connected"
	disconnectGrace    = 15 * time.Second       // "disconnected" for longer ends the session
	senderReportPeriod = 500 * time.Millisecond // room-written RTCP sender reports
	keyframeThrottle   = 500 * time.Millisecond // at most one PLI per published track
	errorLogPeriod     = 5 * time.Second        // rate limit of repeated error logs
)

// env holds what every part of the SFU shares: the logger, the clock, the
// pion APIs and the timings (tests shorten some of them).
type env struct {
	log             *slog.Logger
	now             func() time.Time
	pubAPI, subAPI  *rtc.API
	maxParticipants int
	history         time.Duration // 0: none
	historyMaxBytes int64

	gatherTimeout, answerTimeout    time.Duration
	connectTimeout, disconnectGrace time.Duration
	srPeriod, pliThrottle, logEvery time.Duration
}

func newEnv(cfg Config) (*env, error) {
	if cfg.MaxParticipants < 0 {
		return nil, fmt.Errorf("room config: MaxParticipants %d is negative", cfg.MaxParticipants)
	}
	if cfg.HistoryMaxBytes < 0 {
		return nil, fmt.Errorf("room config: HistoryMaxBytes %d is negative", cfg.HistoryMaxBytes)
	}
	e := &env{
		log: cfg.Logger, now: time.Now, maxParticipants: cfg.MaxParticipants,
		history: cfg.History, historyMaxBytes: cfg.HistoryMaxBytes,
		gatherTimeout: gatherTimeout, answerTimeout: answerTimeout,
		connectTimeout: connectTimeout, disconnectGrace: disconnectGrace,
		srPeriod: senderReportPeriod, pliThrottle: keyframeThrottle, logEvery: errorLogPeriod,
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.maxParticipants == 0 {
		e.maxParticipants = DefaultMaxParticipants
	}
	switch {
	case e.history == 0:
		e.history = DefaultHistory
	case e.history < 0:
		e.history = 0
	}
	if e.historyMaxBytes == 0 {
		e.historyMaxBytes = DefaultHistoryMaxBytes
	}
	// Both APIs serve one socket when cfg.RTC.UDPConn is set.
	o := cfg.RTC.WithSharedUDPMux()
	var err error
	if e.pubAPI, err = rtc.NewAPI(publisherOptions(o)); err != nil {
		return nil, fmt.Errorf("room config: publisher webrtc api: %w", err)
	}
	if e.subAPI, err = rtc.NewAPI(subscriberOptions(o)); err != nil {
		return nil, fmt.Errorf("room config: subscriber webrtc api: %w", err)
	}
	return e, nil
}

// publisherOptions: NACK the publisher for missing packets, and answer
// NACKs (unused on a receive-only connection, kept for symmetry).
func publisherOptions(o rtc.Options) rtc.Options {
	o.NACKGenerator, o.NACKResponder, o.SenderReports = true, true, false
	return o
}

// subscriberOptions: resend on subscriber NACKs; the room writes the sender
// reports itself.
func subscriberOptions(o rtc.Options) rtc.Options {
	o.NACKGenerator, o.NACKResponder, o.SenderReports = false, true, false
	return o
}
