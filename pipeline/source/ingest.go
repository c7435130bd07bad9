// Package source subscribes to every track of a room and turns their RTP
// into timed access units: a jitter buffer per track (package jitter; NACK
// retransmissions fill its holes), a depacketizer per track (package
// depacketizer: VP8, H.264, Opus), PLIs after losses, and one common clock
// for all tracks from the SFU's RTCP sender reports (package rtpclock).
// This package holds the subscription (over WebRTC, or in process to a
// LocalRoom), the per-track reader that ties those together, the
// replay of a room's rtpdump, and the per-track stats.
package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/pipeline/rtpclock"
)

// Errors.
var (
	ErrInvalidConfig     = errors.New("invalid ingest config")
	ErrRoomNotFound      = errors.New("room not found")
	ErrSubscriptionEnded = errors.New("subscription ended")
	ErrAlreadyRun        = errors.New("ingest already run")
)

// Defaults.
const (
	DefaultName    = "ingest"
	DefaultLatency = 300 * time.Millisecond
	// unsubscribeTimeout bounds the DELETE when Run returns.
	unsubscribeTimeout = 5 * time.Second
)

// Handler receives the tracks and units of an Ingest. Each track's calls
// come one at a time, in order: TrackAdded, Units in PTS order,
// TrackRemoved. Most come from the goroutine that reads the track's
// packets, some from its timers and its RTCP reader, never two at once.
// Calls for different tracks are concurrent.
type Handler interface {
	TrackAdded(t *media.Track)   // before the first Unit of t
	Unit(u *media.Unit)          // must not block long: it holds up the track
	TrackRemoved(t *media.Track) // after the last Unit of t
}

// Announcer is a Handler that is also told the room's tracks as soon as
// the ingest learns them, each time the set changes. Over WebRTC a track's
// TrackAdded comes with its first packet, after the renegotiation and, on
// a new connection, after ICE and DTLS; a handler that waits for a video
// track's first units before it starts (a job's layout) can wait for an
// announced track too. Tracks it cannot describe (an unknown codec) are
// left out. Calls come one at a time, from the goroutine that follows the
// subscription.
type Announcer interface {
	TracksAnnounced(ts []media.Track)
}

// TenantHeader names the tenant whose room a service key's request is
// for (Config.Tenant).
const TenantHeader = "Roomcast-Tenant"

// Config configures an Ingest.
type Config struct {
	Server string // base URL of the room server, e.g. "http://127.0.0.1:8080"
	Token  string // bearer token; never logged
	// Tenant is the room's tenant, sent as TenantHeader: a service key
	// (a worker's) reaches any tenant's rooms; a tenant's own key, only
	// its own. Empty: the key's tenant.
	Tenant string
	Room   string
	Name   string // subscriber name shown in logs; default DefaultName
	// LoopbackOnly keeps ICE on 127.0.0.1 (sets RTC.LoopbackOnly).
	LoopbackOnly bool
	// RTC selects the ICE network. NACKGenerator is always on;
	// SenderReports and NACKResponder are off (the ingest only receives).
	// With RTC.UDPConn, the subscription uses that socket; its ICE mux
	// reads it until the caller closes it after Run returns.
	RTC rtc.Options
	// Latency is the longest the jitter buffer waits for a missing packet
	// (its NACK retransmission); it waits as long as holes take to fill
	// (jitter.NewAdaptive). Default DefaultLatency.
	Latency time.Duration
	Handler Handler
	// BareRead makes the Ingest the floor its own cost is measured against
	// (bench/ingest_bench_test.go): each track is only read with pion's
	// ReadRTP, its RTCP drained, and the packets are dropped; the Handler
	// gets nothing and Stats count only Packets.
	BareRead   bool
	Logger     *slog.Logger // nil discards logs
	HTTPClient *http.Client // nil: a private client, its idle connections closed by Run
	// Relay reads the room over a relay connection (package relay): one
	// TCP connection (TLS for https) to the server's relay endpoint
	// carries every track, with no SRTP, DTLS, ICE or NACK, and one
	// goroutine reads it into every track's jitter buffer. A server that
	// answers the upgrade as one without the endpoint would (404, 405,
	// 426, 501) is subscribed to over WebRTC instead.
	Relay bool
	// Local, when set, is the room's tenant in this process: Run reads
	// the room through it (see LocalRoom) instead of over WebRTC, and
	// Server, Token, Tenant, RTC and HTTPClient are not used.
	Local LocalRoom
	// Epoch, when set, is PTS 0: a wall-clock instant on the room
	// server's clock (the clock of its RTCP sender reports; the same as
	// this process's where clocks are synchronized). A job sets its start,
	// so units from before it (the room's cache for new subscribers) have
	// negative PTS. Zero: PTS 0 is the first unit any track emits.
	Epoch time.Time
}

// Ingest subscribes to a room and delivers the units of all its tracks.
type Ingest struct {
	cfg     Config
	log     *slog.Logger
	clock   rtpclock.Common
	now     func() time.Time
	started atomic.Bool
	ownHTTP bool

	mu     sync.Mutex
	tracks []*trackHandle           // every track ever added, for Stats
	infos  map[string]rtc.TrackInfo // the tracks the server now carries
	ctx    context.Context          // parent of the readers; nil when not running
	// writeRTCP sends RTCP on the running subscription.
	writeRTCP func([]rtcp.Packet) error
	wg        sync.WaitGroup
}

// New checks cfg and fills in defaults.
func New(cfg Config) (*Ingest, error) {
	if err := validate(&cfg); err != nil {
		return nil, err
	}
	in := &Ingest{cfg: cfg, now: time.Now, infos: map[string]rtc.TrackInfo{}}
	if !cfg.Epoch.IsZero() {
		in.clock.SetEpoch(cfg.Epoch)
	}
	if in.cfg.Name == "" {
		in.cfg.Name = DefaultName
	}
	if in.cfg.Latency == 0 {
		in.cfg.Latency = DefaultLatency
	}
	if in.cfg.HTTPClient == nil {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		in.cfg.HTTPClient, in.ownHTTP = &http.Client{Transport: transport}, true
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	in.log = log.With("room", cfg.Room, "subscriber", in.cfg.Name)
	return in, nil
}

func validate(cfg *Config) error {
	u, err := url.Parse(cfg.Server)
	switch {
	case cfg.Local != nil:
	case cfg.Server == "":
		return fmt.Errorf("%w: Server is required", ErrInvalidConfig)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("%w: Server must be an http(s) URL", ErrInvalidConfig)
	}
	switch {
	case cfg.Room == "":
		return fmt.Errorf("%w: Room is required", ErrInvalidConfig)
	case cfg.Handler == nil:
		return fmt.Errorf("%w: Handler is required", ErrInvalidConfig)
	case cfg.Relay && cfg.BareRead:
		return fmt.Errorf("%w: BareRead reads pion's tracks; a relay has none", ErrInvalidConfig)
	case cfg.Latency < 0:
		return fmt.Errorf("%w: Latency must not be negative", ErrInvalidConfig)
	}
	return nil
}

// Run subscribes and delivers units until ctx is done (it returns nil) or
// the subscription fails: the PeerConnection fails or the server closes it,
// e.g. because the room was deleted (it returns an error wrapping
// ErrSubscriptionEnded). Joins and leaves are followed without restarting.
// When Run returns every track has had TrackRemoved, every goroutine it
// started has ended and the subscription has been DELETEd (bounded by a
// timeout). An Ingest runs once.
func (in *Ingest) Run(ctx context.Context) error {
	if !in.started.CompareAndSwap(false, true) {
		return ErrAlreadyRun
	}
	switch {
	case in.cfg.Local != nil:
		return in.runLocal(ctx)
	case in.cfg.Relay:
		err := in.runRelay(ctx)
		if !errors.Is(err, errNoRelay) {
			return err
		}
		in.log.Info("the server has no relay endpoint; subscribing over WebRTC", "err", err)
	}
	opts := in.cfg.RTC
	opts.LoopbackOnly = opts.LoopbackOnly || in.cfg.LoopbackOnly
	opts.NACKGenerator, opts.NACKResponder, opts.SenderReports = true, false, false
	api, err := rtc.NewAPI(opts)
	if err != nil {
		return fmt.Errorf("webrtc api: %w", err)
	}
	sub, err := newSubscription(api, &in.cfg, in.log, in.onTrack)
	if err != nil {
		return err
	}
	tracksCtx, cancel := context.WithCancel(ctx)
	in.begin(tracksCtx, sub)
	defer in.end(ctx, sub, cancel)

	if err := sub.open(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("room %q: %w", in.cfg.Room, err)
	}
	in.log.Info("subscribed")
	return in.follow(ctx, sub)
}

// follow answers the server's renegotiations until ctx is done or the
// subscription fails.
func (in *Ingest) follow(ctx context.Context, sub *subscription) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-sub.failed:
			return fmt.Errorf("room %q: %w", in.cfg.Room, err)
		case sig := <-sub.signals:
			if sig.Type != rtc.SignalOffer {
				in.log.Warn("unexpected signal", "type", sig.Type)
				continue
			}
			start := time.Now()
			in.setTracks(sig.Tracks)
			in.announce(sig.Tracks)
			if err := sub.answer(ctx, sig.SDP); err != nil {
				return in.renegotiationFailed(ctx, sub, err)
			}
			in.log.Debug("renegotiated", "tracks", len(sig.Tracks), "took", time.Since(start))
		}
	}
}

// renegotiationFailed reports a failed renegotiation. The server often
// closes the subscription in the middle of one (the room is deleted, its
// publishers leave first), so a closed signalling channel or connection is
// reported as the subscription ending, not as a renegotiation fault.
func (in *Ingest) renegotiationFailed(ctx context.Context, sub *subscription, err error) error {
	switch {
	case ctx.Err() != nil:
		return nil
	case sub.ended() || errors.Is(err, io.ErrClosedPipe):
		return fmt.Errorf("room %q: %w (renegotiation: %v)", in.cfg.Room, ErrSubscriptionEnded, err)
	}
	return fmt.Errorf("room %q: renegotiate: %w", in.cfg.Room, err)
}

// begin makes the Ingest accept tracks from sub.
func (in *Ingest) begin(ctx context.Context, sub *subscription) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.ctx = ctx
	in.writeRTCP = sub.pc.WriteRTCP
}

// end stops every track, ends the subscription and waits for every
// goroutine.
func (in *Ingest) end(ctx context.Context, sub *subscription, cancel context.CancelFunc) {
	in.mu.Lock()
	in.ctx = nil
	in.mu.Unlock()
	cancel()
	dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), unsubscribeTimeout)
	defer dcancel()
	sub.close(dctx)
	in.wg.Wait()
	if in.ownHTTP {
		in.cfg.HTTPClient.CloseIdleConnections()
	}
	in.log.Info("unsubscribed")
}

// setTracks records the tracks the server now carries and stops the
// readers of tracks that are gone.
func (in *Ingest) setTracks(list []rtc.TrackInfo) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.infos = make(map[string]rtc.TrackInfo, len(list))
	for _, t := range list {
		in.infos[t.ID] = t
	}
	for _, h := range in.tracks {
		if _, ok := in.infos[h.track.ID]; !ok {
			h.leave()
		}
	}
}

// announce tells an Announcer handler the tracks the server now carries.
func (in *Ingest) announce(list []rtc.TrackInfo) {
	a, ok := in.cfg.Handler.(Announcer)
	if !ok || in.cfg.BareRead {
		return
	}
	ts := make([]media.Track, 0, len(list))
	for _, info := range list {
		if t, err := infoTrack(info, 0); err == nil {
			ts = append(ts, t)
		}
	}
	a.TracksAnnounced(ts)
}

// onTrack starts a reader for a remote track.
func (in *Ingest) onTrack(remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	codec, err := media.ParseCodec(remote.Codec().MimeType)
	if err != nil {
		in.log.Warn("ignoring remote track", "track", remote.ID(), "err", err)
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.ctx == nil {
		return
	}
	info, ok := in.infos[remote.ID()]
	if !ok {
		in.log.Warn("remote track not announced", "track", remote.ID())
	}
	t := mediaTrack(remote, codec, info)
	log := in.log.With("track", t.ID, "kind", t.Kind, "codec", t.Codec, "participant", t.ParticipantID)
	if in.cfg.BareRead {
		in.readBare(t, remote, recv)
		return
	}
	r, err := newTrackReader(t, uint32(remote.SSRC()), remote, recv, in.readerEnv(log))
	if err != nil {
		log.Error("cannot read track", "err", err)
		return
	}
	ssrc, env := uint32(remote.SSRC()), in.readerEnv(log)
	pli := func() {
		if err := env.writeRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}); err == nil {
			r.stats.plis.Add(1)
		}
	}
	in.startReader(r, pli, log)
}

// startReader keeps a track's handle and runs its reader. pli asks its
// publisher for a keyframe. Call it with in.mu held and in.ctx set.
func (in *Ingest) startReader(r *trackReader, pli func(), log *slog.Logger) {
	in.tracks = append(in.tracks, &trackHandle{track: r.track, stats: r.stats, leave: r.leave, pli: pli})
	log.Info("track added")
	ctx := in.ctx
	in.spawn(func() { r.run(ctx) })
}

// readBare reads a track with nothing but pion's read calls, dropping
// what it reads: the floor of BareRead. Call it with in.mu held.
func (in *Ingest) readBare(t media.Track, remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	stats := &trackCounters{}
	stats.active.Store(true)
	in.tracks = append(in.tracks, &trackHandle{track: t, stats: stats, leave: func() {}, pli: func() {}})
	in.spawn(func() {
		defer stats.active.Store(false)
		readUntilClosed(func() error {
			_, _, err := remote.ReadRTP()
			if err == nil {
				stats.packets.Add(1)
			}
			return err
		})
	})
	in.spawn(func() {
		readUntilClosed(func() error {
			_, _, err := recv.ReadRTCP()
			return err
		})
	})
}

// mediaTrack describes a remote track, from what the server announced
// where it can. Its Source is the announced one ("screen" for a shared
// screen); a server that announces none, or an unknown one, gives camera
// for video and microphone for audio.
func mediaTrack(remote *webrtc.TrackRemote, codec media.Codec, info rtc.TrackInfo) media.Track {
	t := media.Track{
		ID:              remote.ID(),
		Kind:            codec.Kind(),
		Codec:           codec,
		ClockRate:       remote.Codec().ClockRate,
		ParticipantID:   info.ParticipantID,
		ParticipantName: info.ParticipantName,
		Source:          media.Source(info.Source),
	}
	if t.ClockRate == 0 {
		t.ClockRate = codec.ClockRate()
	}
	if t.ParticipantID == "" {
		t.ParticipantID = remote.StreamID()
	}
	t.Source = trackSource(t.Kind, t.Source)
	return t
}

func (in *Ingest) readerEnv(log *slog.Logger) readerEnv {
	return readerEnv{
		handler:   in.cfg.Handler,
		log:       log,
		common:    &in.clock,
		latency:   in.cfg.Latency,
		writeRTCP: in.writeRTCP,
		spawn:     in.spawn,
		now:       in.now,
	}
}

// spawn runs f in a goroutine that end waits for. Call it with in.mu held
// and in.ctx set, or from a goroutine spawn started.
func (in *Ingest) spawn(f func()) {
	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		f()
	}()
}

// Stats returns the counters of every track, ended ones included, in the
// order the tracks were added. It is safe to call concurrently with Run.
func (in *Ingest) Stats() []TrackStats {
	in.mu.Lock()
	hs := slices.Clone(in.tracks)
	in.mu.Unlock()
	out := make([]TrackStats, len(hs))
	for i, h := range hs {
		out[i] = h.stats.snapshot(h.track)
	}
	return out
}

// trackHandle is what the Ingest keeps of a track: enough to end its
// reader and to report its counters after it has ended.
type trackHandle struct {
	track media.Track
	stats *trackCounters
	leave func()
	pli   func() // asks the publisher for a keyframe
}

// RequestKeyframe asks the publisher of a video track for a keyframe (an
// RTCP PLI, RFC 4585 section 6.3.1): a layout calls it when it switches to
// that track. Unknown or ended tracks are ignored.
func (in *Ingest) RequestKeyframe(trackID string) {
	in.mu.Lock()
	var h *trackHandle
	for _, t := range in.tracks {
		if t.track.ID == trackID && t.track.Kind == media.KindVideo {
			h = t
		}
	}
	in.mu.Unlock()
	if h != nil {
		h.pli()
	}
}
