package synth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// ErrAlreadyRun is returned by a second call of Run.
var ErrAlreadyRun = errors.New("synth publisher already run")

// Publisher is one synthetic participant. Make it with New and call Run once.
type Publisher struct {
	cfg       Config
	log       *slog.Logger
	http      *http.Client
	ownClient bool // http was made here, so Run closes its idle connections

	stats   counters
	started atomic.Bool

	ready     chan struct{}
	readyOnce sync.Once
}

// New validates cfg, fills in the defaults and returns a Publisher.
func New(cfg Config) (*Publisher, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	p := &Publisher{
		cfg:   cfg,
		log:   cfg.Logger.With("room", cfg.Room, "name", cfg.Name),
		http:  cfg.HTTPClient,
		ready: make(chan struct{}),
	}
	if p.http == nil {
		p.http = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		p.ownClient = true
	}
	return p, nil
}

// Stats returns a snapshot of the counters; safe to call at any time.
func (p *Publisher) Stats() Stats { return p.stats.snapshot() }

// Ready is closed once the PeerConnection is connected and the first video
// frame is written (the first audio packet, for a File without video).
func (p *Publisher) Ready() <-chan struct{} { return p.ready }

// Run generates (or reuses) the media, publishes it over WHIP and sends it
// until Duration elapses or ctx is done; then it DELETEs the WHIP resource
// and closes the PeerConnection. With a Duration, exactly the frames and
// packets due in [0, Duration) of the schedule are written. Run returns nil
// when streaming ends either way, and an error if setup fails, ctx ends
// before the connection is up, or the connection fails (ErrPeerFailed). A
// *StatusError reports a WHIP refusal. Run may be called once.
func (p *Publisher) Run(ctx context.Context) error {
	if !p.started.CompareAndSwap(false, true) {
		return ErrAlreadyRun
	}
	if p.ownClient {
		defer p.http.CloseIdleConnections()
	}
	clips, err := p.loadClips(ctx)
	if err != nil {
		return err
	}
	return p.publish(ctx, clips)
}

// clips are the loaded media.
type clips struct {
	video *videoClip
	audio *audioClip

	silence *audioClip // with Config.Speak
	screen  *videoClip // with Config.Screen

	file *fileMedia // with Config.File: video and audio are its clips
}

func (p *Publisher) loadClips(ctx context.Context) (clips, error) {
	if p.cfg.File != "" {
		return p.loadFile(ctx)
	}
	cache := clipCache{dir: p.cfg.CacheDir, log: p.log}
	vpath, err := cache.path(ctx, videoSpec(p.cfg.Codec, p.cfg.Width, p.cfg.Height, p.cfg.FPS))
	if err != nil {
		return clips{}, fmt.Errorf("video media: %w", err)
	}
	apath, err := cache.path(ctx, audioSpec())
	if err != nil {
		return clips{}, fmt.Errorf("audio media: %w", err)
	}
	var c clips
	if c.video, err = loadVideoClip(vpath, p.cfg.Codec); err != nil {
		return clips{}, err
	}
	if c.audio, err = loadAudioClip(apath); err != nil {
		return clips{}, err
	}
	if err := p.loadExtras(ctx, cache, &c); err != nil {
		return clips{}, err
	}
	return c, nil
}

// publish runs one WHIP session. The deferred calls end it in order:
// DELETE, close the PeerConnection, then wait for the RTCP readers, which
// the close unblocks.
func (p *Publisher) publish(ctx context.Context, c clips) error {
	pr, err := newPeer(p.cfg, c, &p.stats)
	if err != nil {
		return err
	}
	var readers sync.WaitGroup
	defer readers.Wait()
	defer pr.close()
	var keyRequest atomic.Bool
	readers.Go(func() { readFeedback(pr.videoSender, &p.stats, &keyRequest) })
	readers.Go(func() { readFeedback(pr.audioSender, &p.stats, nil) })
	if pr.screen != nil {
		readers.Go(func() { readFeedback(pr.screen.sender, &p.stats, &pr.screen.keyRequest) })
	}

	whip, err := newWHIPClient(p.http, p.cfg.Server, p.cfg.Token, p.cfg.Room, p.cfg.Name)
	if err != nil {
		return err
	}
	sess, err := p.negotiate(ctx, pr, whip)
	if err != nil {
		return err
	}
	defer p.unpublish(ctx, whip, sess)
	if err := pr.waitConnected(ctx); err != nil {
		return err
	}
	return p.stream(ctx, pr, c, &keyRequest)
}

// negotiate does the WHIP offer/answer exchange.
func (p *Publisher) negotiate(ctx context.Context, pr *peer, whip *whipClient) (*whipSession, error) {
	offer, err := pr.offer(ctx)
	if err != nil {
		return nil, err
	}
	sess, err := whip.publish(ctx, offer)
	if err != nil {
		return nil, err
	}
	p.stats.setParticipantID(sess.participantID())
	if err := pr.setAnswer(sess.answer); err != nil {
		p.unpublish(ctx, whip, sess)
		return nil, err
	}
	sent := []any{"codec", p.cfg.Codec, "size", fmt.Sprintf("%dx%d", p.cfg.Width, p.cfg.Height), "fps", p.cfg.FPS}
	if p.cfg.File != "" { // the "media file" line told what is sent
		sent = []any{"file", p.cfg.File}
	}
	p.log.Info("published over WHIP", append([]any{"participant", sess.participantID()}, sent...)...)
	return sess, nil
}

func (p *Publisher) unpublish(ctx context.Context, whip *whipClient, sess *whipSession) {
	if err := whip.delete(ctx, sess.location); err != nil {
		p.log.Warn("end WHIP session", "err", err)
		return
	}
	p.log.Info("unpublished", "participant", sess.participantID())
}

// stream sends paced media until Duration's worth is written, ctx ends or
// the connection fails. Video and audio share one start instant.
func (p *Publisher) stream(ctx context.Context, pr *peer, c clips, keyRequest *atomic.Bool) error {
	runCtx, cancel := context.WithCancel(ctx)
	start := time.Now()
	var end time.Time
	if p.cfg.Duration > 0 {
		end = start.Add(p.cfg.Duration)
	}
	video, audio := p.cameraPacers(pr, c, keyRequest)
	end = c.file.playEnd(start, end, p.cfg.Loop)
	done := make(chan struct{})
	go func() {
		var pacers sync.WaitGroup
		pacers.Go(func() { video.run(runCtx, start, end) })
		pacers.Go(func() { audio.run(runCtx, start, end) })
		if c.screen != nil {
			screen := p.screenPacer(pr.screen, c.screen)
			pacers.Go(func() { screen.run(runCtx, start, end) })
		}
		pacers.Wait()
		close(done)
	}()
	defer func() { cancel(); <-done }()

	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return nil
	case <-pr.ended:
		return fmt.Errorf("stream: %w", pr.endErr)
	}
}

func (p *Publisher) videoPacer(pr *peer, clip *videoClip, keyRequest *atomic.Bool) pacer {
	loop := newVideoLoop(clip, p.cfg.FPS, keyRequest)
	return pacer{
		kind: string(media.KindVideo), clock: 90000, next: loop.next, write: pr.video.WriteSample, log: p.log,
		written: func(u unit) {
			p.stats.videoFrames.Add(1)
			if u.key {
				p.stats.keyframes.Add(1)
			}
			p.readyOnce.Do(func() { close(p.ready) })
		},
	}
}

func (p *Publisher) audioPacer(pr *peer, c clips) pacer {
	next, written := p.audioSource(c)
	return pacer{
		kind: string(media.KindAudio), clock: 48000, next: next, write: pr.audio.WriteSample, log: p.log,
		written: func(unit) { p.stats.audioFrames.Add(1); written() },
	}
}
