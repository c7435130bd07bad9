package room

import (
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/rtc"
)

// maxSignalSize bounds one data-channel message.
const maxSignalSize = 256 << 10

// onDataChannel adopts the first channel labelled rtc.SignalLabel.
func (s *subscriber) onDataChannel(dc *webrtc.DataChannel) {
	if dc.Label() != rtc.SignalLabel {
		s.log.Info("ignoring data channel", "label", dc.Label())
		return
	}
	s.mu.Lock()
	if s.dc != nil {
		s.mu.Unlock()
		s.log.Info("ignoring second signal channel")
		return
	}
	s.dc = dc
	s.mu.Unlock()
	dc.OnMessage(s.onMessage)
	dc.OnClose(func() { s.stop("signal channel closed") })
	dc.OnOpen(func() { s.openOnce.Do(func() { close(s.opened) }) })
}

// onMessage runs on pion's data-channel goroutine: it only parses and hands
// an expected answer to the negotiation.
func (s *subscriber) onMessage(msg webrtc.DataChannelMessage) {
	sig, err := parseSignal(msg.Data)
	if err != nil {
		s.badSignal(err)
		return
	}
	s.mu.Lock()
	awaiting := s.awaiting
	s.mu.Unlock()
	if !awaiting {
		s.badSignal(fmt.Errorf("answer without an offer"))
		return
	}
	select {
	case s.answers <- sig:
	default:
		s.badSignal(fmt.Errorf("second answer to one offer"))
	}
}

func parseSignal(data []byte) (rtc.Signal, error) {
	var sig rtc.Signal
	if len(data) > maxSignalSize {
		return sig, fmt.Errorf("signal of %d bytes (at most %d)", len(data), maxSignalSize)
	}
	if err := json.Unmarshal(data, &sig); err != nil {
		return sig, fmt.Errorf("decode signal: %w", err)
	}
	if sig.Type != rtc.SignalAnswer {
		return sig, fmt.Errorf("signal type %q (want %q)", sig.Type, rtc.SignalAnswer)
	}
	if sig.SDP == "" {
		return sig, fmt.Errorf("answer without sdp")
	}
	return sig, nil
}

func (s *subscriber) badSignal(err error) {
	total := s.malformed.Add(1)
	s.errLog.log(s.log, s.env.now(), slog.LevelWarn, "bad signal message", "err", err, "total", total)
}

// send writes one signal as JSON on the signal channel.
func (s *subscriber) send(sig rtc.Signal) error {
	b, err := json.Marshal(sig)
	if err != nil {
		return fmt.Errorf("encode signal: %w", err)
	}
	s.mu.Lock()
	dc := s.dc
	s.mu.Unlock()
	if err := dc.SendText(string(b)); err != nil {
		return fmt.Errorf("send %s: %w", sig.Type, err)
	}
	return nil
}

// expectAnswer sets whether an answer is expected, dropping stale ones.
func (s *subscriber) expectAnswer(on bool) {
	s.mu.Lock()
	s.awaiting = on
	s.mu.Unlock()
	select {
	case <-s.answers:
	default:
	}
}
