package source

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/roomcast/roomcast/pipeline/relay"
)

// Relay connection timings.
const (
	// relayPing is how often the client says it is alive.
	relayPing = 5 * time.Second
	// relayIdle ends a connection on which nothing came for so long: the
	// server pings every 5 s and sends sender reports every second.
	relayIdle = 20 * time.Second
	// relayDeadlineEvery is how often the read deadline is pushed on; a
	// deadline per frame would cost a timer update per packet.
	relayDeadlineEvery = time.Second
	// relayWriteTimeout bounds one write of a keyframe request or a ping.
	relayWriteTimeout = 5 * time.Second
	// maxRelayTracks bounds the tracks one connection carries at once: a
	// room has at most a few hundred.
	maxRelayTracks = 4096
)

// runRelay is Run over a relay connection (Config.Relay): one TCP or TLS
// connection to the room server carries every track's packets, sender
// reports and the track set's changes (package relay). One goroutine reads
// it and takes each packet through its track's jitter buffer and
// depacketizer to the Handler, with no hand-off per packet.
func (in *Ingest) runRelay(ctx context.Context) error {
	conn, rd, err := in.dialRelay(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("room %q: %w", in.cfg.Room, err)
	}
	c := &relayClient{in: in, conn: conn, rd: rd, tracks: map[uint32]*trackReader{}}
	tracksCtx, cancel := context.WithCancel(ctx)
	in.mu.Lock()
	in.ctx = tracksCtx
	in.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer func() {
		stop()
		c.close(cancel)
	}()
	in.spawn(func() { c.pings(tracksCtx) })
	in.log.Info("subscribed over a relay connection", "server", conn.RemoteAddr().String())
	err = c.read()
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("room %q: %w", in.cfg.Room, err)
}

// relayURL is the room's relay endpoint.
func (in *Ingest) relayURL() (*url.URL, error) {
	u, err := url.Parse(in.cfg.Server)
	if err != nil {
		return nil, fmt.Errorf("server URL: %w", err)
	}
	u = u.JoinPath("v1", "rooms", in.cfg.Room, "relay")
	u.RawQuery = url.Values{"name": {in.cfg.Name}}.Encode()
	return u, nil
}

// dialRelay connects to the room's relay endpoint and upgrades the
// connection; the reader it returns holds what came after the answer.
func (in *Ingest) dialRelay(ctx context.Context) (net.Conn, *relay.Reader, error) {
	u, err := in.relayURL()
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, httpTimeout)
	defer cancel()
	conn, err := in.dialServer(ctx, u)
	if err != nil {
		return nil, nil, fmt.Errorf("relay: connect: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	br, err := in.upgrade(ctx, conn, u)
	if !stop() && err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = conn.SetDeadline(time.Time{})
	}
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, relay.NewReader(br), nil
}

// dialServer opens a TCP connection to the server, with TLS for https
// (the HTTP client's TLS settings when it has them).
func (in *Ingest) dialServer(ctx context.Context, u *url.URL) (net.Conn, error) {
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	addr := net.JoinHostPort(host, port)
	d := &net.Dialer{}
	if u.Scheme != "https" {
		return d.DialContext(ctx, "tcp", addr)
	}
	var cfg *tls.Config
	if t, ok := in.cfg.HTTPClient.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
		cfg = t.TLSClientConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	cfg.NextProtos = []string{"http/1.1"}
	return (&tls.Dialer{NetDialer: d, Config: cfg}).DialContext(ctx, "tcp", addr)
}

// upgrade sends the upgrade request and reads the answer: 101, or the
// API's error.
func (in *Ingest) upgrade(ctx context.Context, conn net.Conn, u *url.URL) (*bufio.Reader, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("relay request: %w", err)
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", relay.Protocol)
	if in.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+in.cfg.Token)
	}
	if in.cfg.Tenant != "" {
		req.Header.Set(TenantHeader, in.cfg.Tenant)
	}
	if err := req.Write(conn); err != nil {
		return nil, fmt.Errorf("relay: send request: %w", err)
	}
	br := bufio.NewReaderSize(conn, relay.ReadBufferSize)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, fmt.Errorf("relay: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		defer resp.Body.Close()
		err := statusError("relay", resp)
		if noRelay(resp.StatusCode) {
			err = fmt.Errorf("%w: %w", errNoRelay, err)
		}
		return nil, err
	}
	if !upgradedTo(resp, relay.Protocol) {
		return nil, fmt.Errorf("relay: the server answered 101 without upgrading to %s", relay.Protocol)
	}
	return br, nil
}

// errNoRelay is a server that does not serve relay connections.
var errNoRelay = errors.New("no relay endpoint")

// noRelay reports whether an answer to the upgrade means the server has
// no relay endpoint: one that predates it (404, 405), or a proxy that
// does not pass upgrades on (426, 501). A 404 may also be a missing room,
// which the WebRTC subscription then reports.
func noRelay(status int) bool {
	switch status {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusUpgradeRequired, http.StatusNotImplemented:
		return true
	}
	return false
}

func upgradedTo(resp *http.Response, protocol string) bool {
	for _, v := range resp.Header.Values("Upgrade") {
		if v == protocol {
			return true
		}
	}
	return false
}

// relayClient is the reading side of a relay connection.
type relayClient struct {
	in   *Ingest
	conn net.Conn
	rd   *relay.Reader

	tracks map[uint32]*trackReader // owned by the reading goroutine

	wmu sync.Mutex // one write at a time: keyframe requests, pings
}

// read handles frames until the connection ends or the server says bye.
func (c *relayClient) read() error {
	var deadline time.Time
	for {
		now := c.in.now()
		if now.Sub(deadline) > relayDeadlineEvery-relayIdle {
			deadline = now.Add(relayIdle)
			if err := c.conn.SetReadDeadline(deadline); err != nil {
				return fmt.Errorf("relay: %w", err)
			}
		}
		f, err := c.rd.Next()
		if err != nil {
			return c.readError(err)
		}
		if err := c.onFrame(f); err != nil {
			return err
		}
	}
}

func (c *relayClient) readError(err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: the server closed the relay connection", ErrSubscriptionEnded)
	}
	return fmt.Errorf("%w: relay read: %w", ErrSubscriptionEnded, err)
}

func (c *relayClient) onFrame(f relay.Frame) error {
	switch f.Type {
	case relay.TypeRTP:
		c.onRTP(f.Payload)
	case relay.TypeSenderReport:
		sr, err := relay.ParseSenderReport(f.Payload)
		if err != nil {
			return err
		}
		if r := c.tracks[sr.ID]; r != nil {
			r.onSenderReport(senderReport{ntp: sr.NTP, rtpTime: sr.RTPTime})
		}
	case relay.TypeTrackAdd:
		t, err := relay.ParseTrackAdd(f.Payload)
		if err != nil {
			return err
		}
		if len(c.tracks) >= maxRelayTracks {
			return fmt.Errorf("%w: the server announced more than %d tracks", relay.ErrMalformed, maxRelayTracks)
		}
		c.add(t)
	case relay.TypeTrackRemove:
		id, err := relay.ParseID(f.Payload)
		if err != nil {
			return err
		}
		if r := c.tracks[id]; r != nil {
			delete(c.tracks, id)
			r.end()
		}
	case relay.TypeBye:
		return fmt.Errorf("%w: %s", ErrSubscriptionEnded, string(f.Payload))
	}
	return nil // pings, and types of later versions
}

// onRTP takes one packet to its track. A packet that does not parse
// counts as malformed; one of a track not announced is dropped.
func (c *relayClient) onRTP(payload []byte) {
	id, p, err := relay.ParseRTP(payload)
	r := c.tracks[id]
	switch {
	case r == nil:
	case err != nil:
		r.stats.malformed.Add(1)
	default:
		_ = r.onPacket(p) // errEnded: the track ended with the Ingest
	}
}

// add starts a track announced by the server.
func (c *relayClient) add(rt relay.Track) {
	if _, ok := c.tracks[rt.ID]; ok {
		return
	}
	log := c.in.log.With("track", rt.Info.ID)
	t, err := infoTrack(rt.Info, rt.ClockRate)
	if err != nil {
		log.Warn("ignoring relayed track", "err", err)
		return
	}
	log = log.With("kind", t.Kind, "codec", t.Codec, "participant", t.ParticipantID)
	request := func() error { return c.send(relay.AppendID(nil, relay.TypeKeyframeRequest, rt.ID)) }
	env := c.in.readerEnv(log)
	env.writeRTCP = keyframeWriter(request)
	r, err := newTrackReader(t, rt.SSRC, nil, nil, env)
	if err != nil {
		log.Error("cannot read track", "err", err)
		return
	}
	c.tracks[rt.ID] = r
	c.in.mu.Lock()
	c.in.tracks = append(c.in.tracks, &trackHandle{track: r.track, stats: r.stats, leave: r.end, pli: func() {
		if request() == nil {
			r.stats.plis.Add(1)
		}
	}})
	c.in.mu.Unlock()
	log.Info("track added")
	r.start()
}

// send writes one frame, under relayWriteTimeout.
func (c *relayClient) send(frame []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.conn.SetWriteDeadline(c.in.now().Add(relayWriteTimeout)); err != nil {
		return err
	}
	_, err := c.conn.Write(frame)
	return err
}

// pings tells the server the client is alive until ctx is done.
func (c *relayClient) pings(ctx context.Context) {
	t := time.NewTicker(relayPing)
	defer t.Stop()
	ping := relay.AppendEmpty(nil, relay.TypePing)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.send(ping); err != nil {
				c.in.log.Debug("relay ping", "err", err)
			}
		}
	}
}

// close ends every track, the connection and the goroutines.
func (c *relayClient) close(cancel context.CancelFunc) {
	c.in.mu.Lock()
	c.in.ctx = nil
	c.in.mu.Unlock()
	cancel()
	c.conn.Close()
	for id, r := range c.tracks {
		delete(c.tracks, id)
		r.end()
	}
	c.in.wg.Wait()
	c.in.log.Info("unsubscribed")
}
