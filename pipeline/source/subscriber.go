package source

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/roomcast/roomcast/pipeline/rtc"
)

// Subscription timeouts.
const (
	httpTimeout      = 10 * time.Second // one POST or DELETE
	negotiateTimeout = 10 * time.Second // one offer/answer exchange
	maxErrorBody     = 64 << 10
	maxAnswerBody    = 1 << 20
)

// subscription is one room subscription: the HTTP resource on the server,
// the PeerConnection and the data channel over which the server
// renegotiates whenever the room's track set changes.
//
// POST {server}/v1/rooms/{room}/subscribe?name={name} (application/sdp)
// creates it; DELETE on the returned Location ends it.
type subscription struct {
	endpoint string // the subscribe URL
	token    string
	tenant   string
	client   *http.Client
	log      *slog.Logger

	pc       *webrtc.PeerConnection
	dc       *webrtc.DataChannel
	location string // the subscription resource, once created

	signals   chan rtc.Signal
	failed    chan error
	done      chan struct{}
	closeOnce sync.Once
}

// newSubscription creates the PeerConnection and its signalling channel.
// onTrack is called for each remote track (from a pion goroutine).
func newSubscription(api *rtc.API, cfg *Config, log *slog.Logger, onTrack func(*webrtc.TrackRemote, *webrtc.RTPReceiver)) (*subscription, error) {
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	dc, err := pc.CreateDataChannel(rtc.SignalLabel, nil)
	if err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("create %q data channel: %w", rtc.SignalLabel, err)
	}
	s := &subscription{
		endpoint: strings.TrimRight(cfg.Server, "/") + "/v1/rooms/" + url.PathEscape(cfg.Room) +
			"/subscribe?name=" + url.QueryEscape(cfg.Name),
		token:   cfg.Token,
		tenant:  cfg.Tenant,
		client:  cfg.HTTPClient,
		log:     log,
		pc:      pc,
		dc:      dc,
		signals: make(chan rtc.Signal, 8),
		failed:  make(chan error, 1),
		done:    make(chan struct{}),
	}
	pc.OnTrack(onTrack)
	pc.OnConnectionStateChange(s.onState)
	dc.OnMessage(s.onMessage)
	dc.OnClose(func() { s.fail(fmt.Errorf("%w: signalling channel closed", ErrSubscriptionEnded)) })
	return s, nil
}

// open sends the offer and applies the server's answer.
func (s *subscription) open(ctx context.Context) error {
	offer, err := s.pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("create offer: %w", err)
	}
	gctx, cancel := context.WithTimeout(ctx, negotiateTimeout)
	defer cancel()
	if err := s.setLocal(gctx, offer); err != nil {
		return err
	}
	answer, err := s.post(ctx, s.pc.LocalDescription().SDP)
	if err != nil {
		return err
	}
	err = s.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer})
	if err != nil {
		return fmt.Errorf("set answer: %w", err)
	}
	return nil
}

// setLocal sets a local description and waits for ICE gathering, so the
// description carries every candidate (no trickle).
func (s *subscription) setLocal(ctx context.Context, d webrtc.SessionDescription) error {
	gathered := webrtc.GatheringCompletePromise(s.pc)
	if err := s.pc.SetLocalDescription(d); err != nil {
		return fmt.Errorf("set local %s: %w", d.Type, err)
	}
	select {
	case <-gathered:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("gather ICE candidates: %w", ctx.Err())
	}
}

// post creates the subscription and returns the server's answer.
func (s *subscription) post(ctx context.Context, offer string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, httpTimeout)
	defer cancel()
	req, err := s.request(ctx, http.MethodPost, s.endpoint, strings.NewReader(offer))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/sdp")
	resp, err := s.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("subscribe: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", statusError("subscribe", resp)
	}
	loc := resp.Header.Get("Location")
	u, err := resp.Request.URL.Parse(loc)
	if loc == "" || err != nil {
		return "", fmt.Errorf("subscribe: bad Location %q", loc)
	}
	s.location = u.String()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBody))
	if err != nil {
		return "", fmt.Errorf("subscribe: read answer: %w", err)
	}
	return string(body), nil
}

func (s *subscription) request(ctx context.Context, method, u string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("%s request: %w", method, err)
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if s.tenant != "" {
		req.Header.Set(TenantHeader, s.tenant)
	}
	return req, nil
}

// statusError turns a failed response (the API's error body) into an error;
// 404 wraps ErrRoomNotFound.
func statusError(op string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	msg := errorMessage(body)
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%s: %w (status %d): %s", op, ErrRoomNotFound, resp.StatusCode, msg)
	}
	return fmt.Errorf("%s: status %d: %s", op, resp.StatusCode, msg)
}

// errorMessage is the message of an error body, {"error":{"message":…}}
// (or the older {"error":"…"}), else the body text.
func errorMessage(body []byte) string {
	var v struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil || len(v.Error) == 0 {
		return strings.TrimSpace(string(body))
	}
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(v.Error, &e) == nil && e.Message != "" {
		return e.Message
	}
	var old string
	if json.Unmarshal(v.Error, &old) == nil && old != "" {
		return old
	}
	return strings.TrimSpace(string(body))
}

// answer applies a renegotiation offer from the server and sends the answer
// back over the signalling channel.
func (s *subscription) answer(ctx context.Context, offer string) error {
	ctx, cancel := context.WithTimeout(ctx, negotiateTimeout)
	defer cancel()
	err := s.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer})
	if err != nil {
		return fmt.Errorf("set renegotiation offer: %w", err)
	}
	ans, err := s.pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("create answer: %w", err)
	}
	if err := s.setLocal(ctx, ans); err != nil {
		return err
	}
	msg, err := json.Marshal(rtc.Signal{Type: rtc.SignalAnswer, SDP: s.pc.LocalDescription().SDP})
	if err != nil {
		return fmt.Errorf("encode answer: %w", err)
	}
	if err := s.dc.SendText(string(msg)); err != nil {
		return fmt.Errorf("send answer: %w", err)
	}
	return nil
}

func (s *subscription) onMessage(m webrtc.DataChannelMessage) {
	var sig rtc.Signal
	if err := json.Unmarshal(m.Data, &sig); err != nil {
		s.log.Warn("bad signalling message", "err", err)
		return
	}
	select {
	case s.signals <- sig:
	case <-s.done:
	}
}

func (s *subscription) onState(st webrtc.PeerConnectionState) {
	s.log.Debug("peer connection", "state", st.String())
	if st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed {
		s.fail(fmt.Errorf("%w: peer connection %s", ErrSubscriptionEnded, st))
	}
}

// ended reports whether the server has ended the subscription: its
// signalling channel or connection is closed or failed.
func (s *subscription) ended() bool {
	if st := s.dc.ReadyState(); st == webrtc.DataChannelStateClosing || st == webrtc.DataChannelStateClosed {
		return true
	}
	st := s.pc.ConnectionState()
	return st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed
}

// fail reports the first failure; later ones are dropped.
func (s *subscription) fail(err error) {
	select {
	case s.failed <- err:
	default:
	}
}

// close ends the subscription on the server (bounded by ctx) and closes
// the PeerConnection. It is idempotent.
func (s *subscription) close(ctx context.Context) {
	s.closeOnce.Do(func() {
		close(s.done)
		s.delete(ctx)
		if err := s.pc.Close(); err != nil {
			s.log.Debug("close peer connection", "err", err)
		}
	})
}

// delete removes the subscription resource. A 404 means the server has
// already ended it (the room was deleted).
func (s *subscription) delete(ctx context.Context) {
	if s.location == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, httpTimeout)
	defer cancel()
	req, err := s.request(ctx, http.MethodDelete, s.location, nil)
	if err != nil {
		s.log.Warn("unsubscribe", "err", err)
		return
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.log.Warn("unsubscribe", "err", err)
		return
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
	case resp.StatusCode == http.StatusNotFound:
		s.log.Debug("unsubscribe: subscription already gone")
	default:
		s.log.Warn("unsubscribe", "err", statusError("unsubscribe", resp))
	}
}
